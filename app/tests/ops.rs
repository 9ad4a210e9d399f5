//! The operator's files name only metrics the binaries export: every
//! `orderbook_*` name in the Prometheus alert rules and the Grafana
//! dashboard is registered somewhere in the app's or the keeper's source.
//! (The rules themselves are tested by `promtool test rules` in
//! `scripts/test.sh`.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Every `orderbook_[a-z_]+` word in `text`, histogram suffixes removed.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("orderbook_") {
        let start = i + at;
        let boundary =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        let end = start
            + text[start..]
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .unwrap_or(text.len() - start);
        if boundary {
            let name = &text[start..end];
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .unwrap_or(name);
            names.insert(base.to_string());
        }
        i = end;
    }
    names
}

/// The text of every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn alerts_and_dashboard_name_only_exported_metrics() {
    let root = repo();
    let mut code = String::new();
    for dir in ["app/src", "keeper/src"] {
        sources(&root.join(dir), &mut code);
    }
    let alerts = std::fs::read_to_string(root.join("ops/prometheus/alerts.yml")).unwrap();
    let dashboard = std::fs::read_to_string(root.join("ops/grafana/orderbook.json")).unwrap();
    let parsed: serde_json::Value =
        serde_json::from_str(&dashboard).expect("the dashboard is JSON");
    let exprs: Vec<&str> = parsed["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap())
        .map(|t| t["expr"].as_str().unwrap())
        .collect();
    assert!(exprs.len() >= 10, "the dashboard has its queries");
    let mut named = metric_names(&alerts);
    assert!(named.len() >= 10, "the rules name metrics: {named:?}");
    for expr in exprs {
        named.extend(metric_names(expr));
    }
    let missing: Vec<&String> = named
        .iter()
        .filter(|name| !code.contains(&format!("\"{name}\"")))
        .collect();
    assert!(
        missing.is_empty(),
        "named but never registered: {missing:?}"
    );
}

#[test]
fn the_name_scan_finds_names_and_strips_histogram_suffixes() {
    let names = metric_names(
        "rate(orderbook_a_total[5m]) + x_orderbook_no + orderbook_lag_seconds_bucket{le=\"1\"}",
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["orderbook_a_total", "orderbook_lag_seconds"]
    );
}
