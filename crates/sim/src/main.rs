//! `jxc-sim`: runs platform simulators on local ports until interrupted, each a simulated
//! shop whose clock follows the wall clock. Prints, per platform, the base URL and the
//! credentials to enter in jxc's 店铺设置.
//!
//! ```text
//! jxc-sim [--platform taobao|jd|pdd|douyin|shopify|woocommerce]... [--orders-per-hour N]
//!         [--webhook URL] [--seed N]
//! ```
//! Without `--platform`, all six run. `--webhook URL` makes the push platforms (Shopify,
//! WooCommerce, Douyin) send signed webhooks to `URL` every 5 seconds.

use std::process::ExitCode;
use std::time::Duration;

use jxc_sim::{PLATFORMS, SimCredentials, SimState};

struct Args {
    platforms: Vec<String>,
    orders_per_hour: u64,
    webhook: Option<String>,
    seed: u64,
}

const USAGE: &str = "jxc-sim [--platform taobao|jd|pdd|douyin|shopify|woocommerce]... \
[--orders-per-hour N] [--webhook URL] [--seed N]";

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        platforms: Vec::new(),
        orders_per_hour: 120,
        webhook: None,
        seed: 1,
    };
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--platform" => {
                let p = value()?;
                if !PLATFORMS.contains(&p.as_str()) {
                    return Err(format!(
                        "unknown platform {p} (one of {})",
                        PLATFORMS.join(", ")
                    ));
                }
                a.platforms.push(p);
            }
            "--orders-per-hour" => {
                a.orders_per_hour = value()?
                    .parse()
                    .map_err(|_| "--orders-per-hour takes a whole number".to_string())?
            }
            "--webhook" => a.webhook = Some(value()?),
            "--seed" => {
                a.seed = value()?
                    .parse()
                    .map_err(|_| "--seed takes a whole number".to_string())?
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.platforms.is_empty() {
        a.platforms = PLATFORMS.iter().map(|p| p.to_string()).collect();
    }
    Ok(a)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut servers = Vec::new();
    for (i, p) in args.platforms.iter().enumerate() {
        let world = jxc_sim::live_world(
            args.seed + i as u64,
            jxc_sim::sample_products(),
            args.orders_per_hour,
        );
        let state = SimState {
            world,
            credentials: SimCredentials::default(),
        };
        let server = match jxc_sim::start(p, state.clone()).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("cannot start the {p} simulator: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "{p}\t{}\t{}",
            server.base_url,
            state.credentials.for_shop(p, &server.base_url)
        );
        if let Some(url) = &args.webhook {
            jxc_sim::spawn_webhooks(p, state.clone(), url.clone(), Duration::from_secs(5));
        }
        servers.push(server);
    }
    println!("ready");
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Result<Args, String> {
        parse(s.split_whitespace().map(String::from))
    }

    #[test]
    fn no_platform_means_all_six_and_a_typo_names_the_choices() {
        assert_eq!(args("").unwrap().platforms.len(), 6);
        let a = args("--platform jd --platform pdd --orders-per-hour 30").unwrap();
        assert_eq!(
            (a.platforms, a.orders_per_hour),
            (vec!["jd".into(), "pdd".into()], 30)
        );
        let e = args("--platform jdd").err().unwrap();
        assert!(e.contains("taobao, jd, pdd"), "{e}");
        assert!(args("--seed").err().unwrap().contains("needs a value"));
        assert!(args("--orders-per-hour many").is_err());
    }
}
