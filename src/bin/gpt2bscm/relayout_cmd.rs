//! `gpt2bscm relayout FILE -o OUT`: the same model in today's layout (bit planes when its
//! group has multiply-free kernels): the same int8 values and scales, so the same ids.

use std::fs;
use std::path::Path;

use gpt2dos::format::{write_model, ModelWeights};
use gpt2dos::hostio::open_model;
use gpt2dos::math::Layout;

pub fn run(input: &Path, output: &Path) -> Result<(), (u8, String)> {
    let read = |path: &Path| -> Result<ModelWeights, (u8, String)> {
        let mut r = open_model(path).map_err(|e| (e.exit_code() as u8, e.to_string()))?;
        r.read_weights().map_err(|e| (3, format!("{}: {e}", path.display())))
    };
    let weights = read(input)?;
    let layout = ModelWeights::preferred_layout(weights.config.group_size as usize);
    let bytes = write_model(&weights.clone().with_layout(layout)).map_err(|e| (7, e.to_string()))?;
    let tmp = output.with_extension("part");
    let io = |error| (2, format!("{}: {error}", output.display()));
    fs::write(&tmp, &bytes).map_err(io)?;
    fs::rename(&tmp, output).map_err(io)?;
    // Read back (every section's CRC) and compare value by value with the input.
    if read(output)?.with_layout(Layout::Rows) != weights.with_layout(Layout::Rows) {
        return Err((7, format!("{}: the weights read back differ from {}", output.display(), input.display())));
    }
    let what = match layout {
        Layout::Rows => "int8 rows",
        Layout::Planes => "bit planes",
    };
    println!("wrote {}: {} bytes, weights as {what}, read back and equal to the input", output.display(), bytes.len());
    Ok(())
}
