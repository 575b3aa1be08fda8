//! Development driver: compiles a C file and prints its IR (or the
//! diagnostics). `cargo run -p pivm-cc --example pivm-cc -- FILE.c`
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: pivm-cc FILE.c");
        std::process::exit(2);
    };
    match pivm_cc::compile_file(std::path::Path::new(&path)) {
        Ok(m) => print!("{m}"),
        Err(e) => {
            eprint!("{e}");
            std::process::exit(1);
        }
    }
}
