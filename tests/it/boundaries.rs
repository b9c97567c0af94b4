//! The layer rules of ARCHITECTURE.md, checked: the domain knows neither HTTP nor SQL,
//! diesel lives only in `src/db`, actix only at the HTTP edge.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out
}

fn offenders(dir: &str, needle: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    rust_files(&root.join(dir))
        .into_iter()
        .filter(|p| std::fs::read_to_string(p).unwrap().contains(needle))
        .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
        .collect()
}

#[test]
fn domain_knows_no_http_and_no_sql() {
    assert_eq!(offenders("domain", "actix_web"), Vec::<String>::new());
    assert_eq!(offenders("domain", "diesel::"), Vec::<String>::new());
}

#[test]
fn diesel_lives_only_in_db() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let outside: Vec<String> = rust_files(&root)
        .into_iter()
        .filter(|p| !p.starts_with(root.join("db")))
        .filter(|p| std::fs::read_to_string(p).unwrap().contains("diesel::"))
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(outside, Vec::<String>::new());
}

#[test]
fn the_database_layer_knows_no_http() {
    assert_eq!(offenders("db", "actix_web"), Vec::<String>::new());
}
