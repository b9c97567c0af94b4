//! The `privacy-portal` binary; everything happens in `cli::main`.

fn main() -> std::process::ExitCode {
    privacy_portal::cli::main()
}
