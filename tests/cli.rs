//! The `gpt2bscm` binary: convert and inspect on a good checkpoint, and one clear error
//! line with a non-zero exit for malformed checkpoints and model files.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

const TINY: &str = "tests/data/hf/tiny_2l_64d_2h";

fn gpt2bscm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gpt2bscm")).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A scratch directory per test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("gpt2bscm-cli-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// A copy of the tiny fixture checkpoint.
    fn with_tiny(name: &str) -> Scratch {
        let s = Scratch::new(name);
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(TINY);
        for e in fs::read_dir(&src).unwrap() {
            let e = e.unwrap();
            fs::copy(e.path(), s.0.join(e.file_name())).unwrap();
        }
        s
    }

    fn path(&self, f: &str) -> PathBuf {
        self.0.join(f)
    }

    fn arg(&self, f: &str) -> String {
        self.path(f).to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Rewrites model.safetensors with `edit` applied to its (name → (shape, bytes)) map.
fn edit_tensors(dir: &Scratch, edit: impl FnOnce(&mut HashMap<String, (Vec<usize>, Vec<u8>)>)) {
    let bytes = fs::read(dir.path("model.safetensors")).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let mut map: HashMap<String, (Vec<usize>, Vec<u8>)> =
        st.tensors().into_iter().map(|(n, v)| (n, (v.shape().to_vec(), v.data().to_vec()))).collect();
    edit(&mut map);
    let views: HashMap<String, TensorView> = map
        .iter()
        .map(|(n, (shape, data))| (n.clone(), TensorView::new(Dtype::F32, shape.clone(), data).unwrap()))
        .collect();
    fs::write(dir.path("model.safetensors"), safetensors::serialize(&views, &None).unwrap()).unwrap();
}

/// Exactly one line on stderr, naming the problem; a non-zero exit; no output file.
fn assert_one_line_error(o: &Output, code: i32, needle: &str, out: &Path) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.starts_with("gpt2bscm: error: "), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
    assert!(!out.exists(), "{} was written", out.display());
}

#[test]
fn convert_then_inspect_a_good_checkpoint() {
    let s = Scratch::new("good");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(TINY);
    let o = gpt2bscm(&["convert", &src.to_string_lossy(), "-o", &s.arg("m.bin"), "--group", "64"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("h.1.mlp.c_proj"), "{text}");
    assert!(text.contains("checksums verified"), "{text}");
    let o = gpt2bscm(&["inspect", &s.arg("m.bin")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("2 layers, embed 64, 2 heads"), "{text}");
    assert!(text.contains("group 64"), "{text}");
    assert!(text.contains("all 7 checksums ok"), "{text}");
}

#[test]
fn malformed_checkpoints_give_one_clear_line() {
    type Breaker = fn(&Scratch);
    let cases: [(&str, Breaker, i32, &str); 11] = [
        ("no-config", |d| fs::remove_file(d.path("config.json")).unwrap(), 2, "missing file"),
        ("bad-json", |d| fs::write(d.path("config.json"), "{\"n_layer\": 2,").unwrap(), 3, "invalid JSON"),
        (
            "no-key",
            |d| {
                let c = fs::read_to_string(d.path("config.json")).unwrap();
                fs::write(d.path("config.json"), c.replace("\"n_embd\"", "\"n_embed_typo\"")).unwrap()
            },
            3,
            "n_embd: missing",
        ),
        (
            "not-gpt2",
            |d| {
                let c = fs::read_to_string(d.path("config.json")).unwrap();
                fs::write(d.path("config.json"), c.replace("\"gpt2\"", "\"llama\"")).unwrap()
            },
            3,
            "model_type",
        ),
        ("no-weights", |d| fs::remove_file(d.path("model.safetensors")).unwrap(), 2, "model.safetensors"),
        (
            "garbage-weights",
            |d| fs::write(d.path("model.safetensors"), b"not safetensors").unwrap(),
            3,
            "invalid safetensors",
        ),
        ("no-vocab", |d| fs::remove_file(d.path("vocab.json")).unwrap(), 2, "vocab.json"),
        ("no-merges", |d| fs::remove_file(d.path("merges.txt")).unwrap(), 2, "merges.txt"),
        ("bad-vocab", |d| fs::write(d.path("vocab.json"), "[1, 2").unwrap(), 3, "vocab.json"),
        (
            "missing-tensor",
            |d| {
                edit_tensors(d, |m| {
                    m.remove("h.1.mlp.c_fc.bias");
                })
            },
            3,
            "missing tensor h.1.mlp.c_fc.bias",
        ),
        (
            "wrong-shape",
            |d| {
                edit_tensors(d, |m| {
                    let (shape, data) = m.get_mut("h.0.attn.c_attn.weight").unwrap();
                    *shape = vec![192, 64]; // (out, in): not transposed as Conv1D stores it
                    let _ = data;
                })
            },
            3,
            "h.0.attn.c_attn.weight has shape [192, 64], expected [64, 192]",
        ),
    ];
    for (name, breaker, code, needle) in cases {
        let s = Scratch::with_tiny(name);
        breaker(&s);
        let out = s.path("out.bin");
        let o = gpt2bscm(&["convert", &s.0.to_string_lossy(), "-o", &out.to_string_lossy()]);
        assert_one_line_error(&o, code, needle, &out);
    }
}

#[test]
fn usage_errors_exit_1() {
    for bad in ["0", "1025", "x"] {
        let o = gpt2bscm(&["convert", TINY, "-o", "/nonexistent/x.bin", "--group", bad]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("is not a group size from 1 to 1024"), "{}", stderr(&o));
    }
    // A size that does not divide the widths is the checkpoint's problem: exit 3.
    let o = gpt2bscm(&["convert", TINY, "-o", "/nonexistent/x.bin", "--group", "48"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("group size 48 must divide n_embd 64"), "{}", stderr(&o));
    assert_eq!(gpt2bscm(&["frobnicate"]).status.code(), Some(1));
}

#[test]
fn inspect_reports_corrupt_and_missing_files() {
    let s = Scratch::new("inspect");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(TINY);
    let o = gpt2bscm(&["convert", &src.to_string_lossy(), "-o", &s.arg("m.bin")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let good = fs::read(s.path("m.bin")).unwrap();

    // A flipped byte deep in the file: the header is fine, one section is not.
    let mut bad = good.clone();
    let at = good.len() - 4000;
    bad[at] ^= 0x10;
    fs::write(s.path("bad.bin"), &bad).unwrap();
    let o = gpt2bscm(&["inspect", &s.arg("bad.bin")]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stdout(&o).contains("BAD: section checksum mismatch"), "{}", stdout(&o));
    assert!(stderr(&o).contains("problem(s) found"));

    // Truncated: refused at the header with one line.
    fs::write(s.path("short.bin"), &good[..good.len() / 2]).unwrap();
    let o = gpt2bscm(&["inspect", &s.arg("short.bin")]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(stderr(&o).contains("file length differs from header"), "{}", stderr(&o));

    let o = gpt2bscm(&["inspect", &s.arg("none.bin")]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn models_that_cannot_run_are_refused_at_open_with_the_field_named() {
    let s = Scratch::new("runnable");
    // Well-formed files (written by `synth`) that no run could use: a context of one
    // token, and a tokenizer (256 byte tokens) with ids past a vocabulary of 200.
    for (name, ctx, vocab, needle) in [("ctx1.bin", "1", "256", "n_ctx = 1"), ("vocab.bin", "16", "200", "tokenizer")] {
        let o = gpt2bscm(&[
            "synth",
            "-o",
            &s.arg(name),
            "--layers",
            "1",
            "--dim",
            "64",
            "--heads",
            "2",
            "--vocab",
            vocab,
            "--ctx",
            ctx,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = gpt2bscm(&["generate", &s.arg(name), "-p", "hi", "-n", "2"]);
        assert_eq!(o.status.code(), Some(3), "{name}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{name}: {}", stderr(&o));
    }
}

#[test]
fn generate_refuses_what_gen_refuses() {
    let s = Scratch::new("gen-usage");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(TINY);
    let o = gpt2bscm(&["convert", &src.to_string_lossy(), "-o", &s.arg("m.bin")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = s.arg("m.bin");
    // No prompt, an empty one, a context beyond the model's: usage errors (1).
    for args in [vec!["generate", &m], vec!["generate", &m, "-p", ""], vec!["generate", &m, "-p", "x", "--ctx", "33"]] {
        let o = gpt2bscm(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    }
    // Too little memory for any plan: 4, with what was needed.
    let o = gpt2bscm(&["generate", &m, "-p", "x", "--mem", "16"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("KB available"), "{}", stderr(&o));
    // A missing file: 2.
    let o = gpt2bscm(&["generate", &s.arg("none.bin"), "-p", "x"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn generate_with_mem_runs_the_plan_and_gives_the_resident_ids() {
    let s = Scratch::new("gen-mem");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hf/small_3l_128d_4h_untied");
    let o = gpt2bscm(&["convert", &src.to_string_lossy(), "-o", &s.arg("m.bin")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = s.arg("m.bin");
    let ids = |extra: &[&str]| {
        let mut args = vec!["generate", &m, "-p", "hello world", "-n", "12", "-t", "0", "--ids"];
        args.extend_from_slice(extra);
        let o = gpt2bscm(&args);
        assert!(o.status.success(), "{extra:?}: {}", stderr(&o));
        (stdout(&o).lines().last().unwrap().to_string(), stderr(&o))
    };
    let (resident, _) = ids(&[]);
    for (mem, plan) in [("500", "layer streaming"), ("150", "row streaming"), ("100", "KV cache on disk")] {
        let (got, err) = ids(&["--mem", mem, "--ctx", "32"]);
        assert!(err.contains(plan), "--mem {mem}: {err}");
        assert_eq!(got, resident, "--mem {mem}");
    }
}
