//! `GEN /?`: the switches with their ranges, and the exit codes.

const USAGE: &str = "\
GEN - GPT-2 text generation for DOS (386+, no FPU needed)\r
\r
GEN [/M:file] [/P:text | /F:file] [/N:n] [/T:t] [/K:k] [/TP:p] [/RP:r] [/S:seed]\r
    [/MEM:kb] [/CTX:n] [/WARN:%] [/REFUSE:%] [/O:file] [/IDS] [/STATS] [/BENCH]\r
    [/INFO] [/SELFTEST] [/CRC:file] [/?]\r
\r
  /M:file    model file (MODEL.BIN)        /P:text   prompt (quote spaces)\r
  /F:file    prompt from a file            /N:n      tokens, 0-65535 (50)\r
  /T:t       temperature 0-10, 0 = greedy  /K:k      top-k 0-65535, 0 = off (50)\r
  /TP:p      top-p 0.001-1, 1 = off        /RP:r     repetition penalty 0.001-10\r
  /S:seed    random seed (1)               /MEM:kb   memory budget, 16-4194303 KB\r
  /CTX:n     context, 2 to the model's     /O:file   also write text to file\r
  /IDS       print token ids               /STATS    memory plan and usage\r
  /BENCH     timing figures                /INFO     machine and memory facts\r
  /SELFTEST  test XMS memory               /CRC:file length and CRC32 of a file\r
  /WARN:%    warn past this use, 1-100 (85) /REFUSE:% refuse past, 50-100 (95)\r
  A prompt is required (/P or /F, not both); prompts longer than the DOS command\r
  line (127 bytes) go in a file: /F. Switches also take the form -x value.\r
\r
ERRORLEVEL: 0 ok, 1 usage, 2 file not found or I/O, 3 bad model file,\r
            4 out of memory, 5 CPU or mode unsupported, 6 interrupted,\r
            7 internal error\r
";

pub fn print() {
    gpt2dos::dos::console::stdout().bytes(USAGE.as_bytes());
}
