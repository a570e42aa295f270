//! `gpt2bscm relayout FILE -o OUT`: the same model in today's layout (bit planes when its
//! group has multiply-free kernels): the same int8 values and scales, so the same ids.

use std::fs;
use std::path::Path;

use gpt2dos::error::{host_file_error, Error};
use gpt2dos::format::{write_model, ModelWeights};
use gpt2dos::hostio::{open_model, path_bytes};
use gpt2dos::math::Layout;
use gpt2dos::model::ModelError;

pub fn run<'a>(input: &'a Path, output: &'a Path) -> Result<(), Error<'a>> {
    let read = |path: &'a Path| -> Result<ModelWeights, Error<'a>> {
        let mut r = open_model(path)?;
        r.read_weights().map_err(|e| Error::Model {
            name: path_bytes(path),
            scratch: b"",
            error: ModelError::Format(e),
        })
    };
    let weights = read(input)?;
    let layout = ModelWeights::preferred_layout(weights.config.group_size as usize);
    let bytes = write_model(&weights.clone().with_layout(layout)).map_err(|e| Error::Model {
        name: path_bytes(output),
        scratch: b"",
        error: ModelError::Format(e),
    })?;
    // Write beside the target, then rename: an interrupted run leaves no half file.
    let tmp = output.with_extension("part");
    let io = |e| host_file_error(output, e);
    fs::write(&tmp, &bytes).map_err(io)?;
    fs::rename(&tmp, output).map_err(io)?;
    // Read back (every section's CRC) and compare value by value with the input.
    if read(output)?.with_layout(Layout::Rows) != weights.with_layout(Layout::Rows) {
        return Err(Error::Internal("relayout: the weights read back differ from the input"));
    }
    let what = match layout {
        Layout::Rows => "int8 rows",
        Layout::Planes => "bit planes",
    };
    println!("wrote {}: {} bytes, weights as {what}, read back and equal to the input", output.display(), bytes.len());
    Ok(())
}
