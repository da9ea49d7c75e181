//! `zpbg watch` on the terminal: one line per round on stderr — how long it
//! took, the pages, the total and what changed in it — or the error.

use std::path::Path;

use zpbg::error::{Result, printable};
use zpbg::num::points;
use zpbg::render::Substitution;
use zpbg::watch::{self, Done, Event, Options};

/// How many changed indicators a line names before 「等 N 项」.
const NAMED_CHANGES: usize = 3;

/// Watches until Ctrl-C, printing each round.
pub fn run(options: Options) -> Result<()> {
    let target = options.target.path().to_path_buf();
    eprintln!(
        "{}",
        printable(&format!(
            "正在监视 {} 及其模板配置，改动保存后自动重新生成 {}；按 Ctrl-C 结束。",
            options.facts.display(),
            target.display()
        ))
    );
    let mut written = false;
    let mut notices: Vec<Substitution> = Vec::new();
    watch::run(options, &mut |event| match event {
        Event::Round(round) => match round.outcome {
            Ok(done) => {
                for s in &done.substitutions {
                    if !notices.contains(s) {
                        eprintln!("{}", printable(&s.to_string()));
                        notices.push(s.clone());
                    }
                }
                eprintln!(
                    "{}",
                    printable(&line(&target, &done, round.took.as_secs_f64()))
                );
                written = true;
            }
            Err(err) => {
                let kept = if written {
                    "未更新，仍是上次成功生成的结果"
                } else {
                    "尚未生成"
                };
                eprintln!(
                    "错误：{err}\n  {} {kept}；改正后保存即重新生成。",
                    printable(&target.display().to_string())
                );
            }
        },
        Event::Unwatched(err) => eprintln!("错误：{err}"),
    })
}

/// 「已更新 out.pdf：用时 0.048 秒，28 页，总分 95.8 → 94.44（服务对象满意度 9.85 → 8.49）。」
fn line(target: &Path, done: &Done, seconds: f64) -> String {
    let verb = if done.before.is_some() {
        "已更新"
    } else {
        "已生成"
    };
    let pages = match done.before {
        Some((before, _)) if before != done.pages => format!("{before} → {} 页", done.pages),
        _ => format!("{} 页", done.pages),
    };
    let total = match done.before {
        Some((_, before)) if before != done.total => {
            format!("总分 {} → {}", points(before), points(done.total))
        }
        Some(_) => format!("总分 {}（未变）", points(done.total)),
        None => match &done.grade {
            Some(grade) => format!("总分 {}，等级 {grade}", points(done.total)),
            None => format!("总分 {}", points(done.total)),
        },
    };
    let mut text = format!(
        "{verb} {}：用时 {seconds:.3} 秒，{pages}，{total}",
        target.display()
    );
    if !done.changed.is_empty() {
        let named: Vec<String> = (done.changed.iter().take(NAMED_CHANGES))
            .map(|c| format!("{} {} → {}", c.name, points(c.from), points(c.to)))
            .collect();
        text += &format!("（{}", named.join("；"));
        if done.changed.len() > NAMED_CHANGES {
            text += &format!(" 等 {} 项", done.changed.len());
        }
        text += "）";
    }
    if done.warnings > 0 {
        text += &format!("，{} 条警告（运行 zpbg check 查看）", done.warnings);
    }
    text + "。"
}
