fn main() {
    println!("gpt2bscm: not yet implemented");
}
