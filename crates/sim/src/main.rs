//! `jxc-sim`: runs platform simulators on local ports until interrupted, each a simulated
//! shop whose clock follows the wall clock. Prints, per platform, the base URL and the
//! credentials to enter in jxc's 店铺设置.
//!
//! ```text
//! jxc-sim [--platform taobao|jd|pdd|douyin|shopify|woocommerce]... [--orders-per-hour N]
//!         [--webhook URL] [--seed N] [--robots] [--smtp]
//! ```
//! Without `--platform`, `--robots` or `--smtp`, everything runs. `--webhook URL` makes the
//! push platforms (Shopify, WooCommerce, Douyin) send signed webhooks to `URL` every 5
//! seconds. `--robots` runs the alert robots (钉钉, 飞书, 企业微信: one server, a robot
//! each; prints each webhook URL and secret to paste), `--smtp` the SMTP server for email
//! alerts (prints the settings to enter; plain text, security `none`).

use std::process::ExitCode;
use std::time::Duration;

use jxc_sim::{PLATFORMS, SimCredentials, SimState};

struct Args {
    platforms: Vec<String>,
    orders_per_hour: u64,
    webhook: Option<String>,
    seed: u64,
    robots: bool,
    smtp: bool,
}

const USAGE: &str = "jxc-sim [--platform taobao|jd|pdd|douyin|shopify|woocommerce]... \
[--orders-per-hour N] [--webhook URL] [--seed N] [--robots] [--smtp]";

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        platforms: Vec::new(),
        orders_per_hour: 120,
        webhook: None,
        seed: 1,
        robots: false,
        smtp: false,
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
            "--robots" => a.robots = true,
            "--smtp" => a.smtp = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.platforms.is_empty() && !a.robots && !a.smtp {
        a.platforms = PLATFORMS.iter().map(|p| p.to_string()).collect();
        a.robots = true;
        a.smtp = true;
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
    let robots = match args.robots {
        true => match start_robots().await {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!("cannot start the robot simulator: {e}");
                return ExitCode::FAILURE;
            }
        },
        false => None,
    };
    let smtp = match args.smtp {
        true => match jxc_sim::smtp::start(jxc_sim::smtp::SmtpState::demo()).await {
            Ok(s) => {
                println!("smtp\t{}:{}\t{}", s.host, s.port, s.settings());
                Some(s)
            }
            Err(e) => {
                eprintln!("cannot start the SMTP simulator: {e}");
                return ExitCode::FAILURE;
            }
        },
        false => None,
    };
    println!("ready");
    let _ = tokio::signal::ctrl_c().await;
    drop((robots, smtp));
    ExitCode::SUCCESS
}

/// The robot simulator with one robot of each kind; prints, per robot, the webhook URL and
/// the secret to paste.
async fn start_robots() -> std::io::Result<jxc_sim::robots::RobotsServer> {
    use jxc_sim::robots::{DEMO_ROBOTS, RobotsState};
    let server = jxc_sim::robots::start(RobotsState::demo()).await?;
    for (platform, token, secret) in DEMO_ROBOTS {
        let settings = serde_json::json!({
            "kind": platform.code(),
            "webhook_url": server.webhook_url(platform, token),
            "secret": secret.unwrap_or_default(),
        });
        println!("robot-{}\t{}\t{settings}", platform.code(), server.base_url);
    }
    Ok(server)
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

    #[test]
    fn robots_and_smtp_run_with_everything_or_when_asked() {
        let all = args("").unwrap();
        assert!(all.robots && all.smtp);
        let a = args("--robots").unwrap();
        assert!(a.robots && !a.smtp && a.platforms.is_empty());
        let a = args("--smtp --platform jd").unwrap();
        assert!(!a.robots && a.smtp && a.platforms == ["jd"]);
        assert!(!args("--platform jd").unwrap().robots);
    }
}
