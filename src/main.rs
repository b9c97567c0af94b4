//! The `privacy-portal` binary; everything happens in `cli::main`.

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    privacy_portal::cli::main()
}

/// Caps glibc's malloc at two arenas unless the operator set `MALLOC_ARENA_MAX`.
///
/// glibc gives each thread that allocates under contention an arena of its own, up to
/// eight per core, and keeps freed memory in each: with a dozen database and worker
/// threads that is most of the portal's peak RSS under write load. Two arenas took
/// peak RSS from 51 to 42 MiB (request creation) and 44 to 35 MiB (processor confirms)
/// on SQLite without a throughput change beyond run-to-run noise (BENCHMARKS.md).
/// Called first in `main`, before any thread exists.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a parameter of the allocator; no thread is running yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
