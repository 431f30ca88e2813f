//! The `jxc` binary: one command for the server and every operator task.

use std::path::PathBuf;
use std::process::ExitCode;

mod live_demo;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use jxc_app::{Actor, App, DEFAULT_DB};

#[derive(Parser)]
#[command(
    name = "jxc",
    version,
    about = "jxc 进销存 — orders, stock, purchasing and finance for online merchants"
)]
struct Cli {
    /// Database: `sqlite://path` (created if missing) or `postgres://user@host/db`.
    #[arg(long, global = true, env = "JXC_DB", default_value = DEFAULT_DB)]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (API under /api/v1, API page at /api/docs).
    Serve {
        #[arg(long, env = "JXC_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the demo merchant first if the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Fill an empty database with a realistic demo merchant.
    Demo,
    /// Create or update the database schema.
    Migrate,
    /// Recompute every balance from the ledger and reservations; exit 1 on any difference.
    Check {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Import SKUs, opening stock or orders from a CSV (UTF-8 or GBK) or .xlsx file.
    Import {
        what: ImportKind,
        file: PathBuf,
        /// Orders: the shop (its code) the orders belong to.
        #[arg(long)]
        shop: Option<String>,
        /// Orders: `taobao` (订单报表) or `template` (jxc's order template).
        #[arg(long, default_value = "taobao")]
        format: String,
        /// Orders, Taobao: the 宝贝报表 with the lines.
        #[arg(long)]
        lines: Option<PathBuf>,
    },
    /// Export SKUs, stock balances or the stock ledger to an .xlsx file.
    Export { what: ExportKind, file: PathBuf },
    /// Users: add, change password, disable, enable, list, make an API token.
    User {
        #[command(subcommand)]
        what: UserCommand,
    },
    /// 平台同步: sync a shop's orders from its platform now, or show the sync log.
    Sync {
        /// The shop (its code). Without it: every shop whose sync is enabled.
        #[arg(long)]
        shop: Option<String>,
        /// Show the last runs of the sync log instead of syncing.
        #[arg(long)]
        log: bool,
    },
    /// 分仓: route the approved orders without holds to warehouses and reserve their stock
    /// (缺货 orders are tried again). Acts as `--user` (default admin).
    Allocate {
        #[arg(long, default_value = "admin")]
        user: String,
        /// At most this many orders.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// 物流: mark shipments with no tracking update for the setup's number of days as
    /// 物流异常 (the server does this every ten minutes), and list the exceptions.
    Tracking,
    /// 盘点: create a count, list counts, take scans from a file, submit, approve (post the
    /// variances) and show a count's accuracy. Acts as `--user` (default admin), within
    /// that user's roles and warehouses.
    Count {
        /// The user the count is made, counted and approved as (a login name).
        #[arg(long, global = true, default_value = "admin")]
        user: String,
        #[command(subcommand)]
        what: CountCommand,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        what: BenchKind,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. Without --password-stdin a password is generated and printed once.
    Add {
        username: String,
        /// A role: admin 管理员, service 客服, warehouse 仓库, purchasing 采购, finance 财务,
        /// viewer 只读. Repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (ends the user's sessions). Generated unless --password-stdin.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a user: their sessions end and their API tokens stop working.
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
    /// List users with their roles.
    List,
    /// Make an API token for a user (printed once).
    Token {
        username: String,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

#[derive(Subcommand)]
enum CountCommand {
    /// 新建盘点 in a warehouse: the whole warehouse, or one zone, a location range, some
    /// SKUs or an ABC class. Its lines are every balance in scope with stock on hand.
    New {
        /// The warehouse's code.
        #[arg(long)]
        warehouse: String,
        /// One zone (库区).
        #[arg(long, conflicts_with_all = ["locations", "skus", "abc"])]
        zone: Option<String>,
        /// Locations from one code to another, both included: `A-01..A-03`.
        #[arg(long, value_name = "FROM..TO", conflicts_with_all = ["skus", "abc"])]
        locations: Option<String>,
        /// These SKUs (商家编码), separated by commas.
        #[arg(long, value_name = "A,B,C", conflicts_with = "abc")]
        skus: Option<String>,
        /// The SKUs of one ABC class by the last 90 days' sales value.
        #[arg(long, value_name = "A|B|C")]
        abc: Option<String>,
        /// 盲盘: counters are not shown what the ledger expects.
        #[arg(long)]
        blind: bool,
        /// 复盘 a line whose variance is at least this many units (0: never by units).
        #[arg(long, value_name = "N", default_value_t = 0)]
        recount_qty: i64,
        /// 复盘 a line whose variance is worth at least this many 分 (5000 = ¥50.00; 0:
        /// never by value).
        #[arg(long, value_name = "FEN", default_value_t = 0)]
        recount_value: i64,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Counts, newest first: number, warehouse, status, scope, lines counted.
    List {
        /// The warehouse's code.
        #[arg(long)]
        warehouse: Option<String>,
        /// counting 盘点中, recounting 复盘中, submitted 待审核, posted 已过账, cancelled 已作废.
        #[arg(long)]
        status: Option<String>,
    },
    /// Take the scans in a CSV or TSV file (UTF-8, header row: scan_id, location, code,
    /// and optionally qty (default 1) and lot_no). A scan id taken before counts nothing,
    /// so the same file twice counts once. Exit 2 if any row was refused.
    Scan {
        /// The count: its id or number (PD…).
        id: String,
        file: PathBuf,
    },
    /// 提交: end counting. Lines with a variance over the recount rule go to 复盘.
    Submit {
        /// The count: its id or number (PD…).
        id: String,
        /// Count the lines nobody counted as 0 (else they are refused).
        #[arg(long)]
        zero_uncounted: bool,
    },
    /// 审核过账: post the variances as 调整单 (仓库主管 or admin).
    Approve {
        /// The count: its id or number (PD…).
        id: String,
    },
    /// A count: its status, progress and accuracy (准确率, units and value gained and lost).
    Show {
        /// The count: its id or number (PD…).
        id: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ImportKind {
    Skus,
    Stock,
    Orders,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportKind {
    Skus,
    Stock,
    Moves,
}

#[derive(Subcommand)]
enum BenchKind {
    /// Post receipts, issues and reservations in realistic batches on a fresh database.
    Ledger {
        /// How many stock moves to post.
        #[arg(long, default_value_t = 200_000)]
        moves: u64,
        /// Which backends (a fresh SQLite file; a fresh schema in `--pg`).
        #[arg(long, value_enum, default_value = "both")]
        backend: Backend,
        /// PostgreSQL to benchmark on.
        #[arg(
            long,
            env = "JXC_BENCH_PG_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres"
        )]
        pg: String,
        /// Run on exactly `--db` (must be empty) in this process.
        #[arg(long, hide = true)]
        here: bool,
    },
    /// Route + reserve N approved orders over 50,000 SKUs in 8 warehouses, cut them into
    /// waves, and measure the pick routes, on a fresh database.
    Fulfil {
        #[arg(long, default_value_t = 100_000)]
        orders: u64,
        #[arg(long, value_enum, default_value = "sqlite")]
        backend: Backend,
        #[arg(
            long,
            env = "JXC_BENCH_PG_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres"
        )]
        pg: String,
        #[arg(long, hide = true)]
        here: bool,
    },
    /// Import N generated orders from a template file (parse, map, detect, save), then
    /// the same file again, on a fresh database.
    Orders {
        #[arg(long, default_value_t = 100_000)]
        orders: u64,
        #[arg(long, value_enum, default_value = "both")]
        backend: Backend,
        #[arg(
            long,
            env = "JXC_BENCH_PG_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres"
        )]
        pg: String,
        #[arg(long, hide = true)]
        here: bool,
    },
    /// A full count of N lines (500 locations × 100 SKUs for 50,000): create it, enter
    /// every line (1,000 a request), submit, and approve — which posts the variances — on
    /// a fresh database.
    Count {
        #[arg(long, default_value_t = 50_000)]
        lines: u64,
        /// Percentage of lines counted with a difference (±1–3 units).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=100))]
        mismatch: u32,
        #[arg(long, value_enum, default_value = "both")]
        backend: Backend,
        #[arg(
            long,
            env = "JXC_BENCH_PG_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres"
        )]
        pg: String,
        #[arg(long, hide = true)]
        here: bool,
    },
    /// 预警: evaluate every alert condition over N SKU × warehouse pairs with stock and
    /// levels (5 warehouses), once opening the alerts and once with every cause open.
    Alerts {
        #[arg(long, default_value_t = 50_000)]
        pairs: u64,
        #[arg(long, value_enum, default_value = "both")]
        backend: Backend,
        #[arg(
            long,
            env = "JXC_BENCH_PG_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres"
        )]
        pg: String,
        #[arg(long, hide = true)]
        here: bool,
    },
    /// 追溯: one lot shipped to N orders (a shipment each); time the forward trace of the
    /// lot and the backward trace of one order.
    Trace {
        #[arg(long, default_value_t = 10_000)]
        orders: u64,
        #[arg(long, value_enum, default_value = "both")]
        backend: Backend,
        #[arg(
            long,
            env = "JXC_BENCH_PG_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres"
        )]
        pg: String,
        #[arg(long, hide = true)]
        here: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
    Both,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 / error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let actor = Actor(format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "operator".into())
    ));
    match cli.command {
        Command::Serve { listen, demo } => serve(&cli.db, &listen, demo).await?,
        Command::Demo => {
            let app = open(&cli.db).await?;
            let s = app.load_demo(&Actor::system("demo")).await?;
            println!("{}", serde_json::to_string_pretty(&s)?);
        }
        Command::Migrate => {
            open(&cli.db).await?;
            println!("数据库已是最新 / database is up to date: {}", cli.db);
        }
        Command::Check { json } => return check(&cli.db, json).await,
        Command::Import {
            what,
            file,
            shop,
            format,
            lines,
        } => {
            let app = open(&cli.db).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let report = match what {
                ImportKind::Skus => app.import_skus(&name, &bytes, &actor).await?,
                ImportKind::Stock => app.import_stock(&name, &bytes, &actor).await?,
                ImportKind::Orders => {
                    return import_orders(&app, shop, &format, (&name, &bytes), lines, &actor)
                        .await;
                }
            };
            for e in &report.errors {
                println!("第 {} 行 / row {}: {}: {}", e.row, e.row, e.field, e.reason);
            }
            println!(
                "共 {} 行：新增 {}，更新 {}，未变 {}，入库行 {}，错误 {} / rows {}: created {}, updated {}, unchanged {}, stock lines {}, errors {}",
                report.total_rows,
                report.created,
                report.updated,
                report.unchanged,
                report.posted_lines,
                report.errors.len(),
                report.total_rows,
                report.created,
                report.updated,
                report.unchanged,
                report.posted_lines,
                report.errors.len()
            );
            if !report.documents.is_empty() {
                println!("单据 / documents: {}", report.documents.join(", "));
            }
            if !report.errors.is_empty() {
                return Ok(ExitCode::from(2));
            }
        }
        Command::Export { what, file } => {
            let app = open(&cli.db).await?;
            let bytes = match what {
                ExportKind::Skus => app.export_skus(&Default::default()).await?,
                ExportKind::Stock => {
                    app.export_stock(&jxc_store::BalanceFilter {
                        nonzero: true,
                        ..Default::default()
                    })
                    .await?
                }
                ExportKind::Moves => app.export_moves(&Default::default()).await?,
            };
            std::fs::write(&file, bytes)
                .with_context(|| format!("cannot write {}", file.display()))?;
            println!("已导出 / exported: {}", file.display());
        }
        Command::User { what } => return user(&cli.db, what).await,
        Command::Sync { shop, log } => return sync(&cli.db, shop, log).await,
        Command::Allocate { user, limit } => return allocate(&cli.db, &user, limit).await,
        Command::Tracking => return tracking(&cli.db).await,
        Command::Count { user, what } => return count(&cli.db, &user, what).await,
        Command::Bench {
            what:
                BenchKind::Ledger {
                    moves,
                    backend,
                    pg,
                    here,
                },
        } => {
            if here {
                let app = empty_app(&cli.db).await?;
                let r = jxc_app::bench::bench_ledger(&app, moves).await?;
                println!("{}", r.table());
                if !r.check_clean {
                    bail!("jxc check found differences after the benchmark");
                }
            } else {
                bench_each("ledger", "--moves", moves, &[], backend, &pg).await?;
            }
        }
        Command::Bench {
            what:
                BenchKind::Fulfil {
                    orders,
                    backend,
                    pg,
                    here,
                },
        } => {
            if here {
                let app = empty_app(&cli.db).await?;
                let r = jxc_app::bench_fulfil::bench_fulfil(&app, orders as usize, 50_000).await?;
                println!("{}", r.table());
            } else {
                bench_each("fulfil", "--orders", orders, &[], backend, &pg).await?;
            }
        }
        Command::Bench {
            what:
                BenchKind::Orders {
                    orders,
                    backend,
                    pg,
                    here,
                },
        } => {
            if here {
                let app = empty_app(&cli.db).await?;
                let r = jxc_app::bench_orders::bench_orders(&app, orders as usize).await?;
                println!("{}", r.table());
            } else {
                bench_each("orders", "--orders", orders, &[], backend, &pg).await?;
            }
        }
        Command::Bench {
            what:
                BenchKind::Count {
                    lines,
                    mismatch,
                    backend,
                    pg,
                    here,
                },
        } => {
            if here {
                let app = empty_app(&cli.db).await?;
                let r = jxc_app::bench_count::bench_count(&app, lines as usize, mismatch).await?;
                println!("{}", r.table());
                if !r.check_clean {
                    bail!("jxc check found differences after the benchmark");
                }
            } else {
                let extra = ["--mismatch".to_string(), mismatch.to_string()];
                bench_each("count", "--lines", lines, &extra, backend, &pg).await?;
            }
        }
        Command::Bench {
            what:
                BenchKind::Alerts {
                    pairs,
                    backend,
                    pg,
                    here,
                },
        } => {
            if here {
                let app = empty_app(&cli.db).await?;
                let r = jxc_app::bench_alerts::bench_alerts(&app, pairs as usize).await?;
                println!("{}", r.table());
            } else {
                bench_each("alerts", "--pairs", pairs, &[], backend, &pg).await?;
            }
        }
        Command::Bench {
            what:
                BenchKind::Trace {
                    orders,
                    backend,
                    pg,
                    here,
                },
        } => {
            if here {
                let app = empty_app(&cli.db).await?;
                let r = jxc_app::bench_trace::bench_trace(&app, orders as usize).await?;
                println!("{}", r.table());
            } else {
                bench_each("trace", "--orders", orders, &[], backend, &pg).await?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn open(db: &str) -> Result<App> {
    App::open(db)
        .await
        .with_context(|| format!("cannot open the database {db}"))
}

async fn serve(db: &str, listen: &str, demo: bool) -> Result<()> {
    let app = open(db).await?;
    if demo {
        let s = app.load_demo(&Actor::system("demo")).await?;
        if s.already_loaded {
            println!(
                "演示数据已存在 / demo data already loaded ({} SKUs)",
                s.skus
            );
        } else {
            println!(
                "已载入演示数据 / demo data loaded: {} SKUs, {} warehouses, {} shops",
                s.skus, s.warehouses, s.shops
            );
        }
    }
    if let Some((name, password)) = app.ensure_first_admin().await? {
        println!(
            "已创建管理员 / created the admin user — 登录名 login: {name}  密码 password: {password}\n  (只显示这一次，请登录后修改 / shown only once: sign in and change it)"
        );
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let _live = if demo {
        let live = live_demo::start(&app, &format!("http://{addr}")).await?;
        for (code, s) in &live.servers {
            println!("  模拟平台 / simulator {code}: {}", s.base_url);
        }
        println!("六个模拟店铺每 10 秒同步一次 / six simulated shops sync every 10 s");
        Some(live)
    } else {
        None
    };
    app.spawn_scheduler(std::time::Duration::from_secs(1));
    println!("jxc 已启动 / listening on http://{addr}  (API: http://{addr}/api/docs/)");
    jxc_web::serve(app, listener).await?;
    Ok(())
}

/// `jxc sync`: one shop (by code) or every enabled shop, now; or the sync log.
async fn sync(db: &str, shop: Option<String>, log: bool) -> Result<ExitCode> {
    use jxc_store::{ListFilter, SyncRunFilter, SyncTrigger};
    let app = open(db).await?;
    let shops = app
        .shops(
            &ListFilter::default(),
            &jxc_core::paging::PageRequest {
                limit: 500,
                ..Default::default()
            },
        )
        .await?
        .items;
    let wanted: Vec<_> = match &shop {
        Some(code) => {
            let Some(s) = shops.iter().find(|s| &s.fields.code == code) else {
                bail!("店铺 {code} 不存在 / no shop with code {code}");
            };
            vec![s.clone()]
        }
        None => {
            let mut v = Vec::new();
            for s in &shops {
                if app
                    .store
                    .get_shop_sync(s.id)
                    .await?
                    .is_some_and(|x| x.enabled)
                {
                    v.push(s.clone());
                }
            }
            v
        }
    };
    if log {
        let page = app
            .store
            .list_sync_runs(
                &SyncRunFilter {
                    shop_id: shop.as_ref().and(wanted.first().map(|s| s.id)),
                    ..Default::default()
                },
                &jxc_core::paging::PageRequest {
                    limit: 20,
                    desc: true,
                    ..Default::default()
                },
            )
            .await?;
        println!(
            "run\tshop\tstarted\tstatus\tpages\tnew\tchanged\tunchanged\tmalformed\tretries\terror"
        );
        for r in page.items {
            let t = &r.tally;
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.id,
                r.shop_id,
                r.started_at.format("%Y-%m-%d %H:%M:%S"),
                r.status,
                t.pages,
                t.created,
                t.changed,
                t.unchanged,
                t.malformed,
                t.retries,
                r.error
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if wanted.is_empty() {
        println!("没有启用同步的店铺 / no shop has sync enabled (use --shop CODE)");
        return Ok(ExitCode::SUCCESS);
    }
    let mut failed = false;
    for s in wanted {
        let o = app.sync_shop(s.id, SyncTrigger::Manual).await?;
        let t = &o.tally;
        println!(
            "{} {}: {} — {} 页 pages, 新 new {}, 变更 changed {}, 未变 unchanged {}, 无法解析 malformed {}, 重试 retries {}{}",
            s.fields.code,
            s.fields.name,
            o.status,
            t.pages,
            t.created,
            t.changed,
            t.unchanged,
            t.malformed,
            t.retries,
            if o.error.is_empty() {
                String::new()
            } else {
                format!(" — {}", o.error)
            }
        );
        failed |= o.status == "error";
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `jxc allocate`: one line per order, then the totals; exit 1 if any order is short.
async fn tracking(db: &str) -> Result<ExitCode> {
    let app = open(db).await?;
    let flagged = app.flag_quiet_shipments().await?;
    let exceptions = app
        .store
        .list_shipments(
            &jxc_store::ShipmentFilter {
                status: Some(jxc_store::ShipmentStatus::Exception),
                ..Default::default()
            },
            &jxc_core::paging::PageRequest::default(),
        )
        .await?;
    for s in &exceptions.items {
        println!(
            "{}\t{}\t{}\t{}",
            s.id, s.carrier, s.tracking_no, s.exception
        );
    }
    println!(
        "新标记 {flagged} · 物流异常 {}{} / newly flagged {flagged}, exceptions {}",
        exceptions.items.len(),
        if exceptions.next.is_some() { "+" } else { "" },
        exceptions.items.len()
    );
    Ok(ExitCode::SUCCESS)
}

async fn allocate(db: &str, username: &str, limit: usize) -> Result<ExitCode> {
    let app = open(db).await?;
    let user = app.user_by_name(username).await?;
    let actor = Actor(user.fields.username.clone());
    let out = app.allocate_ready(&user, limit, &actor).await?;
    for o in &out {
        let whs: Vec<String> = o
            .decision
            .iter()
            .flat_map(|d| d.shipments.iter().map(|s| s.warehouse.to_string()))
            .collect();
        println!(
            "#{}\t{}\t{}\t{}",
            o.order_id,
            o.status,
            whs.join(","),
            o.message
        );
    }
    let n = |st: &str| out.iter().filter(|o| o.status == st).count();
    println!(
        "已分配 {} · 缺货 {} · 跳过 {} / allocated {}, short {}, skipped {}",
        n("allocated"),
        n("short"),
        n("skipped"),
        n("allocated"),
        n("short"),
        n("skipped")
    );
    Ok(if n("short") > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn read_password(from_stdin: bool) -> Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
    } else {
        Ok((jxc_app::auth::random_password()?, true))
    }
}

async fn user(db: &str, what: UserCommand) -> Result<ExitCode> {
    use jxc_core::users::UserInput;
    let app = open(db).await?;
    let actor = Actor::system("cli");
    match what {
        UserCommand::Add {
            username,
            roles,
            display_name,
            password_stdin,
        } => {
            let (password, generated) = read_password(password_stdin)?;
            let input = UserInput {
                username: Some(username),
                display_name,
                roles: Some(roles),
                ..Default::default()
            };
            let u = app.create_user(&input, &password, &actor).await?;
            println!("已添加用户 / added user {} ({})", u.fields.username, u.id);
            if generated {
                println!("密码 / password: {password}");
            }
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let u = app.user_by_name(&username).await?;
            let (password, generated) = read_password(password_stdin)?;
            app.set_password(u.id, &password, &actor).await?;
            println!("已设置新密码 / password set for {}", u.fields.username);
            if generated {
                println!("密码 / password: {password}");
            }
        }
        UserCommand::Disable { username } => set_active(&app, &username, false).await?,
        UserCommand::Enable { username } => set_active(&app, &username, true).await?,
        UserCommand::List => {
            let mut next = None::<String>;
            loop {
                let p = jxc_core::paging::PageRequest::new(Some(1000), next.as_deref(), false)
                    .map_err(jxc_app::Error::from)?;
                let users = app.users(&Default::default(), &p).await?;
                for u in &users.items {
                    let roles: Vec<_> = u.fields.roles.iter().map(|r| r.label_zh()).collect();
                    println!(
                        "{:>4}  {:<20} {:<12} {:<24} {}",
                        u.id,
                        u.fields.username,
                        u.fields.display_name,
                        roles.join(","),
                        if u.fields.active { "启用" } else { "停用" }
                    );
                }
                match users.next {
                    Some(n) => next = Some(n),
                    None => break,
                }
            }
        }
        UserCommand::Token { username, label } => {
            let u = app.user_by_name(&username).await?;
            let (_, token) = app.create_api_token(u.id, &label, &actor).await?;
            println!("API 令牌（只显示这一次）/ API token (shown only once):\n{token}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn import_orders(
    app: &App,
    shop: Option<String>,
    format: &str,
    file: (&str, &[u8]),
    lines: Option<PathBuf>,
    actor: &Actor,
) -> Result<ExitCode> {
    use jxc_app::orders::OrderFile;
    let Some(code) = shop else {
        bail!("--shop CODE is required for orders (the shop's code, e.g. TB01)");
    };
    let page = jxc_core::paging::PageRequest::new(Some(1000), None, false)
        .map_err(jxc_app::Error::from)?;
    let shops = app.shops(&jxc_store::ListFilter::default(), &page).await?;
    let Some(shop) = shops.items.iter().find(|s| s.fields.code == code) else {
        bail!("no shop with code {code}");
    };
    let kind = match format {
        "taobao" => OrderFile::Taobao,
        "template" => OrderFile::Template,
        other => bail!("--format is taobao or template, not {other}"),
    };
    let lines = match &lines {
        Some(p) => Some((
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
        )),
        None => None,
    };
    let lines = lines.as_ref().map(|(n, b)| (n.as_str(), b.as_slice()));
    let r = app
        .import_order_file(shop.id, kind, file, lines, actor)
        .await?;
    for e in &r.errors {
        println!("第 {} 行 / row {}: {}: {}", e.row, e.row, e.field, e.reason);
    }
    println!(
        "共 {} 行：新建 {}，变更 {}，未变 {}，异常 {}，错误 {} / rows {}: created {}, changed {}, unchanged {}, held {}, errors {}",
        r.total_rows,
        r.created,
        r.changed,
        r.unchanged,
        r.held,
        r.errors.len(),
        r.total_rows,
        r.created,
        r.changed,
        r.unchanged,
        r.held,
        r.errors.len()
    );
    Ok(if r.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

async fn set_active(app: &App, username: &str, active: bool) -> Result<()> {
    let u = app.user_by_name(username).await?;
    let input = jxc_core::users::UserInput {
        active: Some(active),
        ..Default::default()
    };
    app.update_user(u.id, &input, &Actor::system("cli")).await?;
    if active {
        println!("已启用 / enabled {}", u.fields.username);
    } else {
        println!(
            "已停用，会话和 API 令牌已失效 / disabled {}: sessions ended, API tokens stop working",
            u.fields.username
        );
    }
    Ok(())
}

async fn check(db: &str, json: bool) -> Result<ExitCode> {
    let app = open(db).await?;
    let r = app.check().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        for d in &r.differences {
            println!("差异 / difference: {d}");
        }
        for p in &r.allocation_problems {
            println!("分仓 / allocation: {p}");
        }
        println!(
            "{}: 检查了 {} 个库存余额，差异 {} 处 / checked {} balances, {} differences",
            r.backend,
            r.balances_checked,
            r.differences.len(),
            r.balances_checked,
            r.differences.len()
        );
    }
    Ok(if r.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Runs a benchmark once per backend, each in its own process so that its peak memory is
/// its own.
/// The database a benchmark runs on with `--here`: it must be empty.
async fn empty_app(db: &str) -> Result<App> {
    let app = open(db).await?;
    if app.store.counts().await?.skus > 0 {
        bail!("the benchmark needs an empty database, {db} is not");
    }
    Ok(app)
}

async fn bench_each(
    what: &str,
    flag: &str,
    n: u64,
    extra: &[String],
    backend: Backend,
    pg: &str,
) -> Result<()> {
    let exe = std::env::current_exe()?;
    let dir = tempfile_dir()?;
    println!(
        "jxc bench {what}: {flag} {n}, {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let run = |url: &str| run_child(&exe, url, what, flag, n, extra);
    if backend != Backend::Postgres {
        let url = format!("sqlite://{}", dir.join("bench.db").display());
        run(&url)?;
    }
    if backend != Backend::Sqlite {
        let schema = format!("jxc_bench_{}", std::process::id());
        match jxc_store_postgres::PostgresStore::create_schema(pg, &schema).await {
            Ok(url) => run(&url)?,
            Err(e) => println!("postgres: 未运行 / not run — no server at {pg}: {e}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("jxc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn run_child(
    exe: &std::path::Path,
    url: &str,
    what: &str,
    flag: &str,
    n: u64,
    extra: &[String],
) -> Result<()> {
    let status = std::process::Command::new(exe)
        .args(["--db", url, "bench", what, "--here", flag, &n.to_string()])
        .args(extra)
        .status()?;
    if !status.success() {
        bail!("benchmark on {url} failed");
    }
    Ok(())
}

// ------------------------------------------------------------------------------------
// 盘点: `jxc count …`
// ------------------------------------------------------------------------------------

/// `PD00000012`, `pd12` or `12` → 12.
fn count_id(s: &str) -> Result<i64> {
    let t = s.trim();
    let digits = t
        .strip_prefix("PD")
        .or_else(|| t.strip_prefix("pd"))
        .unwrap_or(t);
    match digits.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => bail!(
            "盘点单应为编号或 PD 单号，不是 “{t}” / a count is its id or its PD number, not “{t}”"
        ),
    }
}

/// The user `username`, if active and allowed `action` by the permission table.
async fn count_user(
    app: &App,
    username: &str,
    action: jxc_core::permissions::Action,
) -> Result<(jxc_core::users::User, Actor)> {
    let user = app.user_by_name(username).await?;
    if !user.fields.active {
        bail!("用户 {username} 已停用 / user {username} is disabled");
    }
    if !jxc_core::permissions::allowed(&user.fields.roles, action) {
        let roles: Vec<_> = jxc_core::permissions::roles_for(action)
            .iter()
            .map(|r| r.label_zh())
            .collect();
        bail!(
            "用户 {username} 无此权限（需要角色：{}）/ user {username} may not do this (roles allowed: {})",
            roles.join("、"),
            jxc_core::permissions::roles_for(action)
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let actor = Actor(user.fields.username.clone());
    Ok((user, actor))
}

async fn warehouse_by_code(app: &App, code: &str) -> Result<jxc_core::warehouses::Warehouse> {
    match app.store.get_warehouse_by_code(code.trim()).await? {
        Some(w) => Ok(w),
        None => bail!("仓库 {code} 不存在 / no warehouse with code {code}"),
    }
}

fn china_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn yuan(fen: i64) -> String {
    format!("¥{}", jxc_core::money::Fen(fen).to_yuan_grouped())
}

async fn count(db: &str, username: &str, what: CountCommand) -> Result<ExitCode> {
    use jxc_core::inventory::count::{CountStatus, NewCountInput};
    use jxc_core::permissions::Action;
    let app = open(db).await?;
    match what {
        CountCommand::New {
            warehouse,
            zone,
            locations,
            skus,
            abc,
            blind,
            recount_qty,
            recount_value,
            note,
        } => {
            let (user, actor) = count_user(&app, username, Action::CountsCount).await?;
            let wh = warehouse_by_code(&app, &warehouse).await?;
            let mut input = NewCountInput {
                warehouse_id: wh.id.0,
                scope: "full".into(),
                blind,
                recount_qty,
                recount_value,
                note,
                ..Default::default()
            };
            if let Some(z) = zone {
                input.scope = "zone".into();
                input.zone = z;
            } else if let Some(range) = locations {
                let Some((from, to)) = range.split_once("..") else {
                    bail!(
                        "--locations 的格式是 起..止，如 A-01..A-03 / --locations takes FROM..TO, e.g. A-01..A-03"
                    );
                };
                input.scope = "locations".into();
                input.location_from = from.into();
                input.location_to = to.into();
            } else if let Some(codes) = skus {
                input.scope = "skus".into();
                input.sku_codes = codes;
            } else if let Some(class) = abc {
                input.scope = "abc".into();
                input.abc_class = class;
            }
            let k = app.create_count(&user, &input, &actor).await?;
            println!(
                "已新建盘点 {} (id {})：{} 行，{} / created count {} (id {}): {} lines, {}",
                k.number,
                k.id,
                k.progress.lines,
                k.scope.label(),
                k.number,
                k.id,
                k.progress.lines,
                wh.fields.code
            );
        }
        CountCommand::List { warehouse, status } => {
            let (user, _) = count_user(&app, username, Action::StockView).await?;
            let warehouse_id = match &warehouse {
                Some(code) => Some(warehouse_by_code(&app, code).await?.id),
                None => None,
            };
            let status = match status.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => match CountStatus::ALL
                    .into_iter()
                    .find(|x| x.as_str() == s || x.label_zh() == s)
                {
                    Some(x) => Some(x),
                    None => bail!(
                        "未知状态 “{s}” / unknown status; one of: {}",
                        CountStatus::ALL
                            .iter()
                            .map(|x| format!("{} {}", x.as_str(), x.label_zh()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
            };
            let filter = jxc_store::CountFilter {
                warehouse_id,
                warehouse_ids: Vec::new(),
                status,
            };
            let mut codes = std::collections::HashMap::new();
            let mut next = None::<String>;
            let mut n = 0;
            println!("单号 number\t仓库 warehouse\t状态 status\t范围 scope\t已盘/行 counted/lines");
            loop {
                let p = jxc_core::paging::PageRequest::new(Some(500), next.as_deref(), true)
                    .map_err(jxc_app::Error::from)?;
                let page = app.counts(&user, filter.clone(), &p).await?;
                for k in &page.items {
                    if !codes.contains_key(&k.warehouse_id) {
                        let code = app
                            .store
                            .get_warehouse(k.warehouse_id)
                            .await?
                            .map(|w| w.fields.code)
                            .unwrap_or_else(|| k.warehouse_id.to_string());
                        codes.insert(k.warehouse_id, code);
                    }
                    println!(
                        "{}\t{}\t{}\t{}\t{}/{}",
                        k.number,
                        codes[&k.warehouse_id],
                        k.status.label_zh(),
                        k.scope.label(),
                        k.progress.counted,
                        k.progress.lines
                    );
                    n += 1;
                }
                match page.next {
                    Some(c) => next = Some(c),
                    None => break,
                }
            }
            println!("共 {n} 张 / {n} counts");
        }
        CountCommand::Scan { id, file } => {
            let (user, actor) = count_user(&app, username, Action::CountsCount).await?;
            let id = count_id(&id)?;
            let k = app.count(&user, id).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            return scan_file(&app, &user, &k, &bytes, &actor).await;
        }
        CountCommand::Submit { id, zero_uncounted } => {
            let (user, actor) = count_user(&app, username, Action::CountsCount).await?;
            let k = app
                .submit_count(&user, count_id(&id)?, zero_uncounted, &actor)
                .await?;
            let p = k.progress;
            println!(
                "{}：{}，已盘 {}/{} 行，差异 {} 行{} / {}: {}, counted {}/{} lines, {} variances{}",
                k.number,
                k.status.label_zh(),
                p.counted,
                p.lines,
                p.variances,
                if p.recount > 0 {
                    format!("，{} 行需复盘", p.recount)
                } else {
                    String::new()
                },
                k.number,
                k.status.as_str(),
                p.counted,
                p.lines,
                p.variances,
                if p.recount > 0 {
                    format!(", {} lines to count again", p.recount)
                } else {
                    String::new()
                }
            );
        }
        CountCommand::Approve { id } => {
            let (user, actor) = count_user(&app, username, Action::CountsApprove).await?;
            let k = app.approve_count(&user, count_id(&id)?, &actor).await?;
            let docs: Vec<String> = k.documents.iter().map(|d| format!("#{d}")).collect();
            println!(
                "{}：{}，差异 {} 行已过账 / {}: {}, {} variance lines posted{}",
                k.number,
                k.status.label_zh(),
                k.progress.variances,
                k.number,
                k.status.as_str(),
                k.progress.variances,
                if docs.is_empty() {
                    String::new()
                } else {
                    format!(" — 调整单 documents {}", docs.join(", "))
                }
            );
        }
        CountCommand::Show { id } => {
            let (user, _) = count_user(&app, username, Action::StockView).await?;
            let k = app.count(&user, count_id(&id)?).await?;
            let wh = app
                .store
                .get_warehouse(k.warehouse_id)
                .await?
                .map(|w| format!("{} {}", w.fields.code, w.fields.name))
                .unwrap_or_else(|| k.warehouse_id.to_string());
            let p = k.progress;
            println!("盘点单 / count: {} (id {})", k.number, k.id);
            println!("仓库 / warehouse: {wh}");
            println!(
                "状态 / status: {} ({})",
                k.status.label_zh(),
                k.status.as_str()
            );
            println!(
                "范围 / scope: {}{}",
                k.scope.label(),
                if k.blind { "，盲盘 / blind" } else { "" }
            );
            let mut rule = Vec::new();
            if k.recount.qty > 0 {
                rule.push(format!("≥ {} 件 units", k.recount.qty));
            }
            if k.recount.value > 0 {
                rule.push(format!("≥ {}", yuan(k.recount.value)));
            }
            if !rule.is_empty() {
                println!(
                    "复盘规则 / recount when the variance is: {}",
                    rule.join(" or ")
                );
            }
            println!(
                "进度 / progress: 已盘 {}/{} 行，复盘 {}，差异 {} / counted {}/{} lines, {} to count again, {} variances",
                p.counted,
                p.lines,
                p.recount,
                p.variances,
                p.counted,
                p.lines,
                p.recount,
                p.variances
            );
            println!(
                "新建 / created: {} {}",
                china_time(k.created_at),
                k.created_by
            );
            if let Some(t) = k.submitted_at {
                println!("提交 / submitted: {} {}", china_time(t), k.submitted_by);
            }
            if let Some(t) = k.posted_at {
                println!("过账 / posted: {} {}", china_time(t), k.posted_by);
            }
            if !k.documents.is_empty() {
                let docs: Vec<String> = k.documents.iter().map(|d| format!("#{d}")).collect();
                println!("调整单 / documents: {}", docs.join(", "));
            }
            if app.count_is_blind_to(&user, &k) {
                println!(
                    "准确率 / accuracy: 盲盘，提交后可见 / a blind count: shown once it is submitted"
                );
            } else {
                let r = app.count_report(&user, k.id).await?;
                let a = r.accuracy;
                println!(
                    "准确率 / accuracy: {}（{}/{} 行相符 / lines matched）",
                    r.accuracy_text, a.matched, a.lines
                );
                println!(
                    "盘盈 / gained: {} 件 units, {}",
                    a.qty_gain,
                    yuan(a.value_gain)
                );
                println!(
                    "盘亏 / lost: {} 件 units, {}",
                    a.qty_loss,
                    yuan(a.value_loss)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A scan file's rows: (row number, cells), the header being row 1. Comma- or
/// tab-separated (whichever the header uses), with `"…"` quoting as spreadsheets write it.
fn scan_rows(text: &str) -> Vec<(usize, Vec<String>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    let sep = if first.contains('\t') { '\t' } else { ',' };
    let mut rows = Vec::new();
    let (mut row, mut cell) = (Vec::new(), String::new());
    let (mut line, mut start) = (1, 1);
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            '"' if quoted => quoted = false,
            '"' if cell.trim().is_empty() => {
                cell.clear();
                quoted = true;
            }
            '\n' if !quoted => {
                if cell.ends_with('\r') {
                    cell.pop();
                }
                row.push(std::mem::take(&mut cell));
                rows.push((start, std::mem::take(&mut row)));
                line += 1;
                start = line;
            }
            '\n' => {
                line += 1;
                cell.push(c);
            }
            c if c == sep && !quoted => row.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push((start, row));
    }
    rows.retain(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    rows
}

/// `jxc count scan`: reads the file, checks every row, and sends the good ones to the
/// count 1,000 at a time; every row that is not taken is named with its row number.
async fn scan_file(
    app: &App,
    user: &jxc_core::users::User,
    k: &jxc_store::StockCount,
    bytes: &[u8],
    actor: &Actor,
) -> Result<ExitCode> {
    use jxc_core::inventory::count::{Scan, ScanInput};
    use jxc_store::EntryOutcome;
    let Ok(text) = std::str::from_utf8(bytes) else {
        bail!("文件不是 UTF-8 编码 / the file is not UTF-8");
    };
    let rows = scan_rows(text);
    let Some(((_, header), data)) = rows.split_first() else {
        bail!("文件是空的 / the file is empty");
    };
    let find = |names: &[&str]| {
        header.iter().position(|h| {
            let h = h.trim().to_lowercase().replace([' ', '-'], "_");
            names.contains(&h.as_str())
        })
    };
    let scan_col = find(&["scan_id", "scan", "扫描号", "扫描id"]);
    let loc_col = find(&["location", "库位", "库位码"]);
    let code_col = find(&[
        "code",
        "barcode",
        "sku",
        "条码",
        "编码",
        "商家编码",
        "条码/编码",
    ]);
    let qty_col = find(&["qty", "quantity", "数量"]);
    let lot_col = find(&["lot_no", "lot", "批次", "批次号"]);
    let (Some(scan_col), Some(loc_col), Some(code_col)) = (scan_col, loc_col, code_col) else {
        bail!(
            "第 1 行应为表头，至少含 scan_id、location、code 三列（可选 qty、lot_no）/ row 1 must be a header with scan_id, location and code (and optionally qty, lot_no); found: {}",
            header.join(", ")
        );
    };
    let cell = |r: &[String], i: Option<usize>| {
        i.and_then(|i| r.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let mut good: Vec<(usize, ScanInput)> = Vec::new();
    let mut bad = 0usize;
    for (row, r) in data {
        let qty_text = cell(r, qty_col);
        let qty = if qty_text.is_empty() {
            None
        } else {
            match jxc_core::text::integer("qty", &qty_text) {
                Ok(q) => Some(q),
                Err(e) => {
                    println!("第 {row} 行 / row {row}: qty: {}", e.reason);
                    bad += 1;
                    continue;
                }
            }
        };
        let input = ScanInput {
            scan_id: cell(r, Some(scan_col)),
            location: cell(r, Some(loc_col)),
            code: cell(r, Some(code_col)),
            qty,
            lot_no: cell(r, lot_col),
        };
        match Scan::parse(0, &input) {
            Ok(_) => good.push((*row, input)),
            Err(jxc_core::Error::Invalid(errors)) => {
                for e in errors {
                    let field = e.field.strip_prefix("scans[0].").unwrap_or(&e.field);
                    println!("第 {row} 行 / row {row}: {field}: {}", e.reason);
                }
                bad += 1;
            }
            Err(e) => return Err(jxc_app::Error::from(e).into()),
        }
    }
    let (mut counted, mut duplicate, mut refused) = (0usize, 0usize, 0usize);
    for batch in good.chunks(jxc_app::counts::MAX_ENTRIES) {
        let scans: Vec<ScanInput> = batch.iter().map(|(_, s)| s.clone()).collect();
        let outcomes = app
            .record_scans(user, k.id, &scans, actor)
            .await
            .with_context(|| {
                format!(
                    "从第 {} 行起未能录入（之前已计入 {counted} 行）/ rows from {} were not taken ({counted} counted before)",
                    batch[0].0, batch[0].0
                )
            })?;
        for ((row, _), o) in batch.iter().zip(outcomes) {
            match o {
                EntryOutcome::Counted { .. } => counted += 1,
                EntryOutcome::Duplicate { .. } => duplicate += 1,
                EntryOutcome::Refused { reason } => {
                    println!("第 {row} 行 / row {row}: {reason}");
                    refused += 1;
                }
            }
        }
    }
    let total = data.len();
    println!(
        "{}：共 {total} 行，计入 {counted}，重复 {duplicate}，拒绝 {refused}，错误 {bad} / {}: rows {total}: counted {counted}, duplicate {duplicate}, refused {refused}, bad {bad}",
        k.number, k.number
    );
    Ok(if refused + bad > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
