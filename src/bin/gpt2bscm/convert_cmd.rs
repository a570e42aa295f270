//! `gpt2bscm convert <hf-dir> -o FILE [--group N]`.

use std::fs;
use std::path::Path;

use gpt2dos::convert::convert_dir;
use gpt2dos::error::{host_file_error, Error};
use gpt2dos::hostio::{open_model, path_bytes};
use gpt2dos::model::ModelError;
use indicatif::{ProgressBar, ProgressStyle};

pub fn run<'a>(hf_dir: &Path, output: &'a Path, group: usize) -> Result<(), Error<'a>> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let converted = convert_dir(hf_dir, group, &bar)?;
    bar.finish_and_clear();

    println!("{:<20} {:>12}  {:>10}  {:>10}", "matrix", "shape", "max rel", "rms rel");
    let (mut worst_max, mut worst_rms) = (0f64, 0f64);
    for e in &converted.errors {
        let shape = format!("{}x{}", e.rows, e.cols);
        println!("{:<20} {:>12}  {:>10.3e}  {:>10.3e}", e.name, shape, e.max_rel, e.rms_rel);
        worst_max = worst_max.max(e.max_rel);
        worst_rms = worst_rms.max(e.rms_rel);
    }
    println!("worst: max rel {worst_max:.3e}, rms rel {worst_rms:.3e} (group {group})");
    println!("  max rel = max|w - q| / max|w|, rms rel = sqrt(sum (w - q)^2 / sum w^2)");

    // Write beside the target, then rename: an interrupted run leaves no half file.
    let tmp = output.with_extension("part");
    let io = |e| host_file_error(output, e);
    fs::write(&tmp, &converted.bytes).map_err(io)?;
    fs::rename(&tmp, output).map_err(io)?;

    // Read it back through the engine's reader: every section's checksum.
    let mut reader = open_model(output)?;
    let sections: Vec<_> = reader.header().sections().collect();
    for (id, s) in sections {
        reader.verify_section(id, s).map_err(|e| Error::Model {
            name: path_bytes(output),
            scratch: b"",
            error: ModelError::Format(e),
        })?;
    }
    println!(
        "wrote {}: {} bytes, {} parameters, checksums verified",
        output.display(),
        converted.bytes.len(),
        converted.parameters
    );
    Ok(())
}
