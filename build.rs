//! Passes the DOS linker script to the GEN.EXE link, and tells cargo it is an input; gives
//! prof386 the model it profiles (PROF_MODEL, by default the shipped one).
fn main() {
    println!("cargo:rerun-if-changed=targets/dos.ld");
    println!("cargo:rerun-if-changed=targets/i386-dos-pm.json");
    println!("cargo:rerun-if-env-changed=PROF_MODEL");
    if std::env::var("PROF_MODEL").is_err() {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
        println!("cargo:rustc-env=PROF_MODEL={dir}/models/DEFAULT.BIN");
    }
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.contains("dos") {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
        println!("cargo:rustc-link-arg-bin=gen=-T{dir}/targets/dos.ld");
        println!("cargo:rustc-link-arg-bin=gen=--gc-sections");
    }
}
