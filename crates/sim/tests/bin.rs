//! The `jxc-sim` binary: starts the simulators asked for, prints where they listen and
//! the credentials to enter, and refuses an unsigned call as the platform would.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn jxc_sim_prints_each_simulator_and_refuses_a_bad_signature_in_tops_words() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jxc-sim"))
        .args(["--platform", "taobao", "--platform", "jd", "--seed", "7"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if line == "ready" {
            break;
        }
        lines.push(line);
    }
    assert_eq!(lines.len(), 2, "{lines:?}");
    let cols: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(cols[0], "taobao");
    let credentials: serde_json::Value = serde_json::from_str(cols[2]).unwrap();
    assert_eq!(credentials["base_url"], cols[1]);
    assert_eq!(credentials["app_key"], "12345678");
    assert!(
        lines[1].starts_with("jd\thttp://127.0.0.1:"),
        "{}",
        lines[1]
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let body: serde_json::Value = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/router/rest", cols[1]))
            .form(&[
                ("method", "taobao.trades.sold.increment.get"),
                ("app_key", "12345678"),
                ("sign", "00000000000000000000000000000000"),
                ("sign_method", "md5"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(body["error_response"]["code"], 25, "{body}");

    let bad = Command::new(env!("CARGO_BIN_EXE_jxc-sim"))
        .args(["--platform", "amazon"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown platform amazon"));
}
