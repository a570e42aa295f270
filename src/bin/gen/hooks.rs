//! DOS under a running session: heap tags per stage, progress and Ctrl-C between
//! prompt tokens, each token printed (CP437) and written to `/O`, write errors kept.
use alloc::vec::Vec;

use crate::progress::{self, Status};
use gpt2dos::dos::{brk, console, heap, timer, Handle};
use gpt2dos::model::{HookError, Hooks, ModelError, Stage};
use gpt2dos::tokenizer::cp437::Utf8ToCp437;
use gpt2dos::Error;

/// DOS under a running session: heap tags per stage, progress and Ctrl-C between
/// prompt tokens, each token printed (CP437) and written to `/O`.
pub struct DosHooks<'o, 'a> {
    pub out: &'o mut Option<Handle>,
    pub out_name: &'a [u8],
    pub out_error: Option<Error<'a>>,
    pub prompt: &'o [u8],
    pub tokens: u32,
    /// The generated ids, kept for `/IDS`.
    pub ids: Option<Vec<u32>>,
    pub cp437: Utf8ToCp437,
    pub line: Vec<u8>,
    pub printed: bool,
    pub status: Status,
    pub start: u32,
    pub prompt_ticks: u32,
    pub gen_start: u32,
    /// Whether stdout is the screen (then the text itself shows progress).
    pub to_screen: bool,
}

impl<'o, 'a> DosHooks<'o, 'a> {
    pub fn new(out: &'o mut Option<Handle>, out_name: &'a [u8]) -> DosHooks<'o, 'a> {
        DosHooks {
            out,
            out_name,
            out_error: None,
            prompt: b"",
            tokens: 0,
            ids: None,
            cp437: Utf8ToCp437::new(),
            line: Vec::new(),
            printed: false,
            status: Status::new(),
            start: 0,
            prompt_ticks: 0,
            gen_start: 0,
            to_screen: console::stdout_is_device(),
        }
    }

    fn write_out(&mut self, bytes: &[u8]) -> Result<(), HookError> {
        if let Some(f) = self.out.as_mut() {
            if let Err(e) = embedded_io::Write::write_all(f, bytes) {
                self.out_error = Some(Error::File { name: self.out_name, cause: e.message() });
                return Err(HookError::Platform);
            }
        }
        Ok(())
    }

    fn print(&mut self, bytes: &[u8]) {
        progress::before_text();
        self.line.clear();
        self.cp437.push(bytes, &mut self.line);
        console::stdout().bytes(&self.line);
        self.printed = true;
    }
}

fn interrupted() -> Result<(), ModelError> {
    if brk::requested() {
        return Err(ModelError::Interrupted);
    }
    Ok(())
}

impl Hooks for DosHooks<'_, '_> {
    fn stage(&mut self, stage: Stage) {
        heap::set_tag(match stage {
            Stage::Weights => "weights",
            Stage::Tokenizer => "tokenizer",
            Stage::KvCache => "kv cache + scratch",
            Stage::Generation => "generation",
        });
    }

    fn prompt_fed(&mut self, done: usize, total: usize) -> Result<(), HookError> {
        if done == 1 {
            self.status.restart();
        }
        self.status.update(format_args!("reading the prompt: {done} of {total} tokens"));
        progress::token_started();
        interrupted()?;
        if done == total {
            self.prompt_ticks = timer::since(self.start);
            progress::clear();
            // The prompt, now that it is read, then the text as it comes.
            let prompt = self.prompt;
            self.print(prompt);
            self.write_out(prompt)?;
            self.gen_start = timer::ticks();
            self.status.restart();
            progress::text_on_screen(self.to_screen);
            progress::token_started();
        }
        Ok(())
    }

    fn token(&mut self, index: u32, id: u32, text: &[u8]) -> Result<(), HookError> {
        if let Some(ids) = self.ids.as_mut() {
            ids.push(id);
        }
        self.print(text);
        self.write_out(text)?;
        if !self.to_screen {
            self.status.update(format_args!("generated {} of {} tokens", index + 1, self.tokens));
        }
        progress::token_started();
        interrupted()?;
        Ok(())
    }
}
