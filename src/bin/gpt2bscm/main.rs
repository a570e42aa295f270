//! `gpt2bscm`: host tools for GEN.EXE model files.
//!
//! Exit codes follow GEN.EXE's: 0 ok, 1 usage, 2 file not found / I/O, 3 bad input or
//! bad model file.

mod convert_cmd;
mod inspect_cmd;

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
        /// Inputs per int8 scale: 32 or 64
        #[arg(long, default_value_t = 32, value_parser = parse_group)]
        group: usize,
    },
    /// Show a model file's header, sections, layers, checksums and sizes
    Inspect {
        /// GPT2BSCM model file
        file: PathBuf,
    },
}

fn parse_group(s: &str) -> Result<usize, String> {
    match s {
        "32" => Ok(32),
        "64" => Ok(64),
        _ => Err(format!("{s:?} is not 32 or 64")),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Convert { hf_dir, output, group } => convert_cmd::run(&hf_dir, &output, group),
        Command::Inspect { file } => inspect_cmd::run(&file),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("gpt2bscm: error: {message}");
            ExitCode::from(code)
        }
    }
}
