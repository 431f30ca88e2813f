//! Black-box tests of the `jxc` binary: what a newcomer and an operator type.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn jxc(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jxc"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run jxc")
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn db(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("jxc.db").display())
}

#[test]
fn demo_then_check_reports_no_difference() {
    let dir = tempfile::tempdir().unwrap();
    let o = jxc(&db(&dir), &["demo"]);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(summary["skus"].as_i64().unwrap() >= 300, "{summary}");
    let o = jxc(&db(&dir), &["check"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("差异 0 处"), "{}", text(&o));
    let o = jxc(&db(&dir), &["check", "--json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["differences"].as_array().unwrap().len(), 0);
    assert!(r["balances_checked"].as_i64().unwrap() > 300);
}

#[test]
fn a_bad_sku_file_reports_each_row_and_imports_the_rest_then_exports() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("skus.csv");
    std::fs::write(
        &csv,
        "商家编码,商品名称,条码,售价,单位\n\
         G-1,好的,111,10.00,件\n\
         ,没有编码,222,1.00,件\n\
         G-2,重复条码,111,1.00,件\n\
         G-3,负价,333,-5,件\n\
         G-4,怪单位,444,5,吨\n\
         G-5,也好,555,6元,双\n",
    )
    .unwrap();
    let o = jxc(&db(&dir), &["import", "skus", csv.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "exit 2 when some rows failed: {}",
        text(&o)
    );
    let out = text(&o);
    for row in ["row 3", "row 4", "row 5", "row 6"] {
        assert!(out.contains(row), "{row} missing in:\n{out}");
    }
    assert!(out.contains("created 2"), "{out}");
    let xlsx = dir.path().join("skus.xlsx");
    let o = jxc(&db(&dir), &["export", "skus", xlsx.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height(), 3, "header + G-1 + G-5");
    // The same file again: nothing new, and still exit 2 for the same bad rows.
    let o = jxc(&db(&dir), &["import", "skus", csv.to_str().unwrap()]);
    assert!(text(&o).contains("created 0"), "{}", text(&o));
}

#[test]
fn a_bad_database_url_is_a_clear_error_not_a_panic() {
    let o = Command::new(env!("CARGO_BIN_EXE_jxc"))
        .args(["--db", "mysql://x", "check"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("sqlite://") && !t.contains("panicked"), "{t}");
}

#[test]
fn serve_with_demo_prints_a_token_once_and_answers_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_jxc"))
        .args([
            "--db",
            &db(&dir),
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut token, mut addr) = (None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(t) = line.trim().strip_prefix("jxc_") {
            token = Some(format!("jxc_{t}"));
        }
        if let Some(rest) = line.split("listening on http://").nth(1) {
            addr = Some(rest.split_whitespace().next().unwrap().to_string());
            break;
        }
    }
    let (token, addr) = (
        token.expect("a token is printed on first start"),
        addr.expect("the address is printed"),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let counts: serde_json::Value = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("http://{addr}/api/v1/counts"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert!(counts["skus"].as_i64().unwrap() >= 300, "{counts}");
    child.kill().unwrap();
    child.wait().unwrap();
    // A second start does not print the token again.
    let mut child = Command::new(env!("CARGO_BIN_EXE_jxc"))
        .args([
            "--db",
            &db(&dir),
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.contains("listening on");
        seen.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !seen.iter().any(|l| l.trim().starts_with("jxc_")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|l| l.contains("already loaded")),
        "{seen:?}"
    );
}
