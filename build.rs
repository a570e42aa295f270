//! Passes the DOS linker script to the GEN.EXE link, and tells cargo it is an input.
fn main() {
    println!("cargo:rerun-if-changed=targets/dos.ld");
    println!("cargo:rerun-if-changed=targets/i386-dos-pm.json");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.contains("dos") {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
        println!("cargo:rustc-link-arg-bin=gen=-T{dir}/targets/dos.ld");
        println!("cargo:rustc-link-arg-bin=gen=--gc-sections");
    }
}
