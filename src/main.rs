//! The `privacy-portal` binary; everything happens in `cli::main`.

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    privacy_portal::cli::main()
}

/// Caps glibc's malloc at four arenas unless the operator set `MALLOC_ARENA_MAX`.
///
/// glibc gives each thread that allocates under contention an arena of its own, up to
/// eight per core, and keeps freed memory in each: with a dozen database and worker
/// threads that is much of the portal's peak RSS under write load. At 1,000,000 people
/// on SQLite, filing requests peaked at 57–72 MiB uncapped, 52–53 with four arenas and
/// 46–50 with two; fewer arenas cost CPU per filing in adjacent runs (uncapped 0.96–1.21
/// ms, four 1.28–1.30, two 1.15–1.41), so four is the compromise (BENCHMARKS.md, seventh
/// run).
/// Called first in `main`, before any thread exists.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a parameter of the allocator; no thread is running yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 4);
        }
    }
}
