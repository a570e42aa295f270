//! `gpt2bscm generate`: the integer engine through the same `Session` as GEN.EXE. With
//! `--mem KB` it plans as GEN /MEM:KB does and runs that plan (weights streamed from the
//! file, the KV cache in a scratch file...), so any DOS run can be reproduced here.

use std::io::Write;
use std::path::Path;

use gpt2dos::cli::UsageError;
use gpt2dos::error::Error;
use gpt2dos::hostio::{open_model, path_bytes, scratch_file};
use gpt2dos::model::session::{check_runnable, HookError, Hooks, Planned};
use gpt2dos::model::{plan_run, KvFile, KvMode, Mode, PlanInput, Session, Setup};
use gpt2dos::sample::SampleParams;

pub struct GenerateArgs<'a> {
    pub file: &'a Path,
    pub prompt: Option<&'a str>,
    pub tokens: u32,
    pub params: SampleParams,
    pub seed: u64,
    /// 0: the model's n_ctx (with `mem_kb`: the largest that fits).
    pub ctx: usize,
    pub mem_kb: Option<u32>,
    pub refuse_pct: u32,
    /// Whether a KV scratch file may be made (with `mem_kb`).
    pub scratch: bool,
    pub ids: bool,
    pub kv: Option<KvMode>,
}

/// Prints each token as it comes, and keeps its id.
struct Printer {
    out: std::io::Stdout,
    ids: Vec<u32>,
}

impl Hooks for Printer {
    fn token(&mut self, _index: u32, id: u32, text: &[u8]) -> Result<(), HookError> {
        self.ids.push(id);
        let mut out = self.out.lock();
        let _ = out.write_all(text);
        let _ = out.flush();
        Ok(())
    }
}

pub fn run<'a>(a: &GenerateArgs<'a>) -> Result<(), Error<'a>> {
    let name = path_bytes(a.file);
    let scratch_path = std::env::temp_dir().join(format!("gpt2bscm-kv-{}.tmp", std::process::id()));
    let model_error = |error| Error::Model { name, scratch: b"", error };
    let prompt = a.prompt.ok_or(Error::Usage(UsageError::NoPrompt))?;
    let reader = open_model(a.file)?;
    let c = *reader.config();
    check_runnable(&c).map_err(model_error)?;
    if a.ctx > c.n_ctx as usize {
        return Err(Error::Usage(UsageError::ContextTooLarge { asked: a.ctx as u32, n_ctx: c.n_ctx }));
    }
    let make_scratch = || -> Option<Box<dyn KvFile>> { scratch_file(&scratch_path).ok() };
    let mut setup = match a.mem_kb {
        Some(kb) => {
            let input = PlanInput::new(kb as u64 * 1024, a.refuse_pct * 10, a.ctx, a.scratch);
            let planned = plan_run(&reader, input, make_scratch).map_err(|f| Error::DoesNotFit {
                needed: f.needed,
                usable: f.usable,
                total: kb as u64 * 1024,
            })?;
            print_plan(&planned);
            Setup::planned(planned, a.params, a.seed)
        }
        None => {
            let ctx = if a.ctx == 0 { c.n_ctx as usize } else { a.ctx };
            Setup { mode: Mode::Resident, ctx, kv_mode: KvMode::Memory, scratch: None, params: a.params, seed: a.seed }
        }
    };
    if let Some(kv) = a.kv {
        setup.kv_mode = kv;
        setup.scratch = None;
        if kv.uses_file() {
            let cause = |e: std::io::Error| gpt2dos::error::io_cause(embedded_io::Error::kind(&e));
            let file =
                scratch_file(&scratch_path).map_err(|e| Error::File { name: b"KV scratch file", cause: cause(e) })?;
            setup.scratch = Some(file);
        }
    }
    let mut printer = Printer { out: std::io::stdout(), ids: Vec::new() };
    let mut session = Session::open(reader, setup, &mut printer).map_err(model_error)?;
    let ids = session.tokenizer.encode_to_vec(prompt.as_bytes());
    if ids.is_empty() {
        return Err(Error::Usage(UsageError::EmptyPrompt));
    }
    let _ = printer.out.lock().write_all(prompt.as_bytes());
    session.generate(&ids, a.tokens, None, &mut printer).map_err(|e| match e {
        HookError::Model(e) => model_error(e),
        HookError::Platform => Error::Internal("the printer stopped"),
    })?;
    let mut out = printer.out.lock();
    let _ = writeln!(out);
    if a.ids {
        let ids: Vec<String> = printer.ids.iter().map(|t| t.to_string()).collect();
        let _ = writeln!(out, "ids: {}", ids.join(" "));
    }
    Ok(())
}

/// The plan in GEN /STATS's words, on stderr (stdout is the text).
fn print_plan(p: &Planned) {
    let plan = &p.plan;
    eprintln!("plan: {}, context {} tokens", plan.mode.name(), plan.ctx);
    eprintln!("plan: {}", plan.kv_mode);
    eprintln!("plan: because {}", plan.kv_why);
    if p.replanned {
        eprintln!("plan: no scratch file for the KV cache; planned again without one");
    }
}
