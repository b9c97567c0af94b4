//! Test support: fresh databases, a running portal, and a macro to run one test on
//! both backends.

pub mod child_portal;
pub mod harness;
pub mod processors;
pub mod test_app;
pub mod test_db;
pub mod webhook_receiver;

pub use test_app::TestApp;
pub use test_db::{Backend, TestDb};

/// Declares, for each named `async fn name(backend: Backend)`, a module `name` with two
/// tests, `sqlite` and `postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )+};
}
