//! `gpt2bscm`: host tools for GEN.EXE model files.
//!
//! Exit codes are GEN.EXE's (`gpt2dos::ExitCode`): 0 ok, 1 usage, 2 file not found / I/O,
//! 3 bad input or bad model file, 4 out of memory (`generate --mem`).

mod convert_cmd;
mod eval_cmd;
mod generate_cmd;
mod inspect_cmd;
mod relayout_cmd;
mod synth_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "gpt2bscm", version, about = "Host tools for GPT2BSCM model files (GEN.EXE)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert a Hugging Face GPT-2 directory (config.json, model.safetensors,
    /// vocab.json, merges.txt) into one GPT2BSCM file
    Convert {
        /// Directory of the Hugging Face checkpoint
        hf_dir: PathBuf,
        /// Output model file
        #[arg(short, long)]
        output: PathBuf,
        /// Inputs per int8 scale: any size dividing n_embd and the FFN width (at most
        /// 1024); a multiple of 8 gets GEN's multiply-free kernels
        #[arg(long, default_value_t = 32, value_parser = parse_group)]
        group: usize,
    },
    /// Show a model file's header, sections, layers, checksums and sizes
    Inspect {
        /// GPT2BSCM model file
        file: PathBuf,
    },
    /// Generate text with the integer engine (the code GEN.EXE runs)
    Generate {
        /// GPT2BSCM model file
        file: PathBuf,
        /// Text to continue (required, not empty: as GEN.EXE's /P or /F)
        #[arg(short, long)]
        prompt: Option<String>,
        /// Tokens to generate
        #[arg(short = 'n', long, default_value_t = 50)]
        tokens: u32,
        /// Temperature; 0 = greedy
        #[arg(short, long, default_value = "1", value_parser = parse_milli)]
        temp: u32,
        /// Keep the k most likely tokens (0 = off)
        #[arg(short = 'k', long, default_value_t = 50)]
        top_k: u32,
        /// Nucleus sampling mass (1 = off)
        #[arg(long, default_value = "1", value_parser = parse_milli)]
        top_p: u32,
        /// Repetition penalty (1 = off)
        #[arg(long, default_value = "1", value_parser = parse_milli)]
        rep_penalty: u32,
        /// Random seed
        #[arg(short, long, default_value_t = 1)]
        seed: u32,
        /// Context window in tokens (0 = the model's n_ctx; with --mem, the largest that fits)
        #[arg(long, default_value_t = 0)]
        ctx: usize,
        /// Plan memory as GEN.EXE /MEM:KB does (weights resident or streamed, where the KV
        /// cache lives, the context) and run that plan; the plan is printed on stderr
        #[arg(long, value_parser = clap::value_parser!(u32).range(16..=gpt2dos::cli::MAX_MEM_KB as i64))]
        mem: Option<u32>,
        /// With --mem: refuse allocations past this share of the budget, as GEN /REFUSE:%
        #[arg(long, default_value_t = 95, value_parser = clap::value_parser!(u32).range(50..=100))]
        refuse: u32,
        /// With --mem: no scratch file for the KV cache (as GEN where %TEMP% is unusable)
        #[arg(long)]
        no_scratch: bool,
        /// Also print the generated token ids (to compare with GEN.EXE /IDS)
        #[arg(long)]
        ids: bool,
        /// Where the KV cache lives: memory, spill (a temporary file), chunked:ROWS,
        /// sparse:BLOCK,SINK_BLOCKS,WINDOW_BLOCKS (default memory; with --mem, the plan's)
        #[arg(long, value_parser = parse_kv)]
        kv: Option<gpt2dos::model::KvMode>,
    },
    /// Rewrite a model file in today's layout (weights as bit planes where GEN has
    /// multiply-free kernels): the same values, so the same token ids
    Relayout {
        /// GPT2BSCM model file (version 2 or 3)
        file: PathBuf,
        /// Output model file
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Write a model with GPT-2 124M's shapes and random weights (for benchmarks)
    #[command(name = "synth-124m")]
    Synth124m {
        /// Output model file
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Write a model of any shape with random weights (FFN 4 x dim, tied head, byte
    /// tokenizer), for tests of deep or wide models
    Synth {
        /// Output model file
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long, default_value_t = 12)]
        layers: usize,
        #[arg(long, default_value_t = 768)]
        dim: usize,
        #[arg(long, default_value_t = 12)]
        heads: usize,
        /// At least 256 (the byte tokens)
        #[arg(long, default_value_t = 50257)]
        vocab: usize,
        #[arg(long, default_value_t = 1024)]
        ctx: usize,
    },
    /// Compare the integer engine with the float reference over a text
    Eval {
        /// GPT2BSCM model file
        file: PathBuf,
        /// UTF-8 text to score
        #[arg(long)]
        text: PathBuf,
        /// Float reference from this Hugging Face directory instead of the file's
        /// dequantized weights
        #[arg(long)]
        hf: Option<PathBuf>,
        /// Score at most this many tokens
        #[arg(long, default_value_t = 100_000)]
        max_tokens: usize,
    },
}

/// "0.8" -> 800, the integer form GEN.EXE's switches use.
fn parse_milli(s: &str) -> Result<u32, String> {
    gpt2dos::cli::parse_milli(s.as_bytes()).ok_or_else(|| format!("{s:?} is not a number with at most 3 decimals"))
}

fn parse_group(s: &str) -> Result<usize, String> {
    match s.parse() {
        Ok(n) if (1..=gpt2dos::math::MAX_GROUP).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a group size from 1 to {}", gpt2dos::math::MAX_GROUP)),
    }
}

fn parse_kv(s: &str) -> Result<gpt2dos::model::KvMode, String> {
    use gpt2dos::model::KvMode;
    let bad = || format!("{s:?} is not memory, spill, chunked:ROWS or sparse:BLOCK,SINK,WINDOW");
    let nums = |t: &str| -> Result<Vec<usize>, String> { t.split(',').map(|n| n.parse().map_err(|_| bad())).collect() };
    match s.split_once(':') {
        None if s == "memory" => Ok(KvMode::Memory),
        None if s == "spill" => Ok(KvMode::Spill),
        Some(("chunked", n)) => match nums(n)?[..] {
            [rows] if rows > 0 => Ok(KvMode::Chunked { rows }),
            _ => Err(bad()),
        },
        Some(("sparse", n)) => match nums(n)?[..] {
            [block, sink_blocks, window_blocks] if block > 0 && window_blocks > 0 => {
                Ok(KvMode::BlockSparse { block, sink_blocks, window_blocks })
            }
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            let code = if e.use_stderr() { gpt2dos::ExitCode::Usage } else { gpt2dos::ExitCode::Ok };
            return ExitCode::from(code.code());
        }
    };
    match run(&cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gpt2bscm: error: {e}");
            ExitCode::from(e.exit_code().code())
        }
    }
}

fn run(command: &Command) -> Result<(), gpt2dos::Error<'_>> {
    match command {
        Command::Convert { hf_dir, output, group } => convert_cmd::run(hf_dir, output, *group),
        Command::Inspect { file } => inspect_cmd::run(file),
        Command::Generate {
            file,
            prompt,
            tokens,
            temp,
            top_k,
            top_p,
            rep_penalty,
            seed,
            ctx,
            mem,
            refuse,
            no_scratch,
            ids,
            kv,
        } => {
            let params = gpt2dos::sample::SampleParams {
                temperature_milli: *temp,
                top_k: *top_k,
                top_p_milli: *top_p,
                rep_penalty_milli: *rep_penalty,
            };
            generate_cmd::run(&generate_cmd::GenerateArgs {
                file,
                prompt: prompt.as_deref(),
                tokens: *tokens,
                params,
                seed: *seed as u64,
                ctx: *ctx,
                mem_kb: *mem,
                refuse_pct: *refuse,
                scratch: !no_scratch,
                ids: *ids,
                kv: *kv,
            })
        }
        Command::Relayout { file, output } => relayout_cmd::run(file, output),
        Command::Synth124m { output } => synth_cmd::run(output, None),
        Command::Synth { output, layers, dim, heads, vocab, ctx } => {
            let shape =
                gpt2dos::convert::synth::Shape { layers: *layers, dim: *dim, heads: *heads, vocab: *vocab, ctx: *ctx };
            synth_cmd::run(output, Some(shape))
        }
        Command::Eval { file, text, hf, max_tokens } => eval_cmd::run(file, text, hf.as_deref(), *max_tokens),
    }
}
