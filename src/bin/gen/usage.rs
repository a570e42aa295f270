//! `GEN /?` and the usage hint for a bad command line.
use gpt2dos::cli::UsageError;
use gpt2dos::dos::{console, exit_code};

const USAGE: &str = "\
GEN - GPT-2 text generation for DOS (386+, no FPU needed)\r
\r
GEN [/M:file] [/P:text | /F:file] [/N:n] [/T:t] [/K:k] [/TP:p] [/RP:r] [/S:seed]\r
    [/MEM:kb] [/CTX:n] [/WARN:%] [/REFUSE:%] [/O:file] [/IDS] [/STATS] [/BENCH]\r
    [/INFO] [/SELFTEST] [/?]\r
\r
  /M:file    model file (GPT2BSCM)         /P:text   prompt (quote spaces)\r
  /F:file    prompt from a file            /N:n      tokens to generate\r
  /T:t       temperature, 0 = greedy       /K:k      top-k sampling\r
  /TP:p      top-p (nucleus) sampling      /RP:r     repetition penalty\r
  /S:seed    random seed                   /MEM:kb   memory budget in KB\r
  /CTX:n     context length                /O:file   also write text to file\r
  /IDS       print token ids               /STATS    memory plan and usage\r
  /BENCH     timing figures                /INFO     machine and memory facts\r
  /SELFTEST  test XMS memory               /CRC:file length and CRC32 of a file\r
  /WARN:%    warn past this use (85)       /REFUSE:% refuse past this use (95)\r
  Switches also take the form -x value, e.g. -n 50 -t 0.8\r
\r
ERRORLEVEL: 0 ok, 1 usage, 2 file not found or I/O, 3 bad model file,\r
            4 out of memory, 5 CPU or mode unsupported, 6 interrupted,\r
            7 internal error\r
";

pub fn print() {
    console::stdout().bytes(USAGE.as_bytes());
}

pub fn bad_usage(e: &UsageError) -> u8 {
    let mut err = console::stderr();
    err.bytes(b"GEN: ");
    err.bytes(e.message().as_bytes());
    err.bytes(b": ");
    err.bytes(e.subject());
    err.bytes(b"\r\nType GEN /? for help.\r\n");
    exit_code::USAGE
}
