//! Rendering with a profile that is not built in. Its tera templates and
//! Typst layout are code: a nested `range` or a `for` over 10⁹ runs for
//! minutes or takes gigabytes, and neither engine can be stopped from
//! another thread. So that work runs in a child process — this executable
//! again, with the hidden subcommand [`SUBCOMMAND`], given the job on stdin
//! and answering on stdout — which is killed when [`Limits::time`] runs out
//! and whose address space is capped at [`MEMORY_LIMIT_BYTES`] (on Unix, by
//! the shell's `ulimit -v`, which sets RLIMIT_AS before the child starts).
//! Built-in profiles are zpbg's own code and render in process.

use std::fmt;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::facts::FactsFile;
use crate::pipeline;
use crate::profile::Profile;
use crate::render::{Exported, Typeset};

/// The hidden subcommand that serves one job in a child process.
pub const SUBCOMMAND: &str = "__sandbox";
/// Wall-clock seconds each stage (section templates, layout) of a profile
/// that is not built in may take; `--time-limit` overrides it.
pub const DEFAULT_TIME_LIMIT_SECS: u64 = 60;
/// Pages a report of a profile that is not built in may have (a real one
/// has some 20–40); `--max-pages` overrides it.
pub const DEFAULT_MAX_PAGES: usize = 500;
/// Address space of the child process. A report takes a few hundred MB; a
/// template that wants more is runaway.
pub const MEMORY_LIMIT_BYTES: u64 = 3 << 30;
/// How much of a crashed child's stderr a message quotes.
const STDERR_TAIL: usize = 600;

/// The limits a profile that is not built in renders under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub time: Duration,
    pub max_pages: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time: Duration::from_secs(DEFAULT_TIME_LIMIT_SECS),
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

/// A profile that is not built in, as named to [`Profile::resolve`] (the
/// child resolves it again), with its limits.
#[derive(Debug, Clone)]
pub struct Guard {
    profile: String,
    pub limits: Limits,
}

impl Guard {
    /// `None` for a built-in profile, which is trusted.
    pub fn new(profile: &str, limits: Limits) -> Option<Self> {
        (!Profile::builtin_ids().contains(&profile)).then(|| Guard {
            profile: profile.to_owned(),
            limits,
        })
    }
}

/// A limit a template went past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exceeded {
    Time(Duration),
    Memory,
    Pages { max: usize, pages: usize },
}

/// Why work in the child process made nothing.
#[derive(Debug, Clone)]
pub enum Failure {
    /// The child refused the input with zpbg's own message, already complete.
    Refused(String),
    /// `template` was running when a limit was exceeded.
    Exceeded { template: String, limit: Exceeded },
    /// The child ended without answering, while running `template`.
    Crashed { template: String, detail: String },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused(message) => f.write_str(message),
            Failure::Exceeded { template, limit } => {
                let what = match limit {
                    Exceeded::Time(time) => format!(
                        "运行超过 {} 秒的时间限制，已停止。请检查模板中的循环，或用 --time-limit 放宽限制",
                        time.as_secs_f64()
                    ),
                    Exceeded::Memory => format!(
                        "占用内存超过 {} MiB 的限制，已停止。请检查模板中的循环和大数组",
                        MEMORY_LIMIT_BYTES >> 20
                    ),
                    Exceeded::Pages { max, pages } => format!(
                        "排出 {pages} 页，超过 {max} 页的页数限制。请检查模板，或用 --max-pages 放宽限制"
                    ),
                };
                write!(f, "模板 {template} {what}。")
            }
            Failure::Crashed { template, detail } => write!(
                f,
                "渲染模板 {template} 的子进程异常退出，未生成报告：{detail}"
            ),
        }
    }
}

/// One piece of work for the child.
#[derive(Serialize, Deserialize)]
enum Job<'a> {
    /// Fill the section templates (tera); answers nothing but success.
    Narrative {
        facts_path: PathBuf,
        facts_text: String,
        profile: String,
        section: Option<String>,
    },
    /// Lay out and write the PDF or pictures (Typst); answers them,
    /// [`pack`]ed.
    Typeset {
        typeset: Typeset<'a>,
        max_pages: usize,
    },
}

/// What the child writes on stdout: a tag byte, a little-endian u64 length
/// and that many bytes.
const TEMPLATE: u8 = b'T';
const OK: u8 = b'O';
const ERR: u8 = b'E';

/// Runs the section templates of `guard`'s profile on `facts` in the child.
pub fn narrate(guard: &Guard, facts: &FactsFile, section: Option<&str>) -> Result<(), Failure> {
    let job = Job::Narrative {
        facts_path: facts.path.clone(),
        facts_text: facts.text.clone(),
        profile: guard.profile.clone(),
        section: section.map(str::to_owned),
    };
    run(&job, &guard.limits, "（模板配置）").map(drop)
}

/// Lays out `typeset` in the child and returns the PDF or pictures.
pub fn typeset(typeset: &Typeset, limits: &Limits) -> Result<Exported, Failure> {
    let job = Job::Typeset {
        typeset: typeset.reborrow(),
        max_pages: limits.max_pages,
    };
    let answer = run(&job, limits, typeset.main())?;
    unpack(&answer).ok_or_else(|| Failure::Crashed {
        template: typeset.main().to_owned(),
        detail: "子进程的回答不完整".to_owned(),
    })
}

/// An [`Exported`] as the child answers it: the page count, the number of
/// files, then each file's length and bytes, as little-endian u64s.
fn pack(exported: &Exported) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend((exported.pages as u64).to_le_bytes());
    bytes.extend((exported.files.len() as u64).to_le_bytes());
    for file in &exported.files {
        bytes.extend((file.len() as u64).to_le_bytes());
        bytes.extend(file);
    }
    bytes
}

/// What [`pack`] wrote; `None` if it is cut short.
fn unpack(mut bytes: &[u8]) -> Option<Exported> {
    let pages = take_number(&mut bytes)?;
    let count = take_number(&mut bytes)?;
    let mut files = Vec::new();
    for _ in 0..count {
        let len = take_number(&mut bytes)?;
        let (file, rest) = bytes.split_at_checked(len)?;
        files.push(file.to_vec());
        bytes = rest;
    }
    Some(Exported { pages, files })
}

/// The little-endian u64 at the start of `bytes`, which then start after it.
fn take_number(bytes: &mut &[u8]) -> Option<usize> {
    let (head, rest) = bytes.split_first_chunk::<8>()?;
    *bytes = rest;
    usize::try_from(u64::from_le_bytes(*head)).ok()
}

/// A message from the child, or the end of its output.
enum Message {
    Template(String),
    Done(Result<Vec<u8>, String>),
}

fn run(job: &Job, limits: &Limits, first: &str) -> Result<Vec<u8>, Failure> {
    let crashed = |detail: String| Failure::Crashed {
        template: first.to_owned(),
        detail,
    };
    let exe = std::env::current_exe().map_err(|err| crashed(err.to_string()))?;
    let mut child = capped(&exe)
        // glibc reserves 64 MiB of address space per thread arena, which
        // the memory cap would count against the template.
        .env("MALLOC_ARENA_MAX", "2")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| crashed(err.to_string()))?;
    let input = serde_json::to_vec(job).expect("jobs always serialise");
    let (mut stdin, mut stdout, stderr) = (
        child.stdin.take().expect("piped"),
        child.stdout.take().expect("piped"),
        child.stderr.take().expect("piped"),
    );
    let started = Instant::now();
    // In threads, so that a child that stops reading or never answers is
    // still killed on time.
    std::thread::spawn(move || stdin.write_all(&input));
    let errors = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.take(1 << 20).read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        while let Some(message) = read_message(&mut stdout) {
            if tx.send(message).is_err() {
                break;
            }
        }
    });

    let mut template = first.to_owned();
    loop {
        let left = limits.time.saturating_sub(started.elapsed());
        match rx.recv_timeout(left) {
            Ok(Message::Template(name)) => template = name,
            Ok(Message::Done(result)) => {
                let _ = child.wait();
                return result.map_err(Failure::Refused);
            }
            Err(RecvTimeoutError::Timeout) => {
                // Kill fails only if the child has just exited by itself.
                let _ = child.kill();
                let _ = child.wait();
                return Err(Failure::Exceeded {
                    template,
                    limit: Exceeded::Time(limits.time),
                });
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = child.wait().map_err(|err| crashed(err.to_string()))?;
                let stderr = errors.join().unwrap_or_default();
                // Rust's message when an allocation fails, as it does at
                // the address-space cap.
                if stderr.contains("memory allocation of") {
                    return Err(Failure::Exceeded {
                        template,
                        limit: Exceeded::Memory,
                    });
                }
                let tail: String = {
                    let chars: Vec<char> = stderr.trim().chars().collect();
                    chars[chars.len().saturating_sub(STDERR_TAIL)..]
                        .iter()
                        .collect()
                };
                return Err(Failure::Crashed {
                    template,
                    detail: format!("{status}；{tail}"),
                });
            }
        }
    }
}

/// The command that starts the child with its memory capped.
#[cfg(unix)]
fn capped(exe: &std::path::Path) -> Command {
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(format!(
            // A hard limit already lower stays, and the child still runs.
            "ulimit -v {} 2>/dev/null; exec \"$0\" {SUBCOMMAND}",
            MEMORY_LIMIT_BYTES >> 10
        ))
        .arg(exe);
    command
}

/// Without a shell's `ulimit`, the time limit alone holds the child.
#[cfg(not(unix))]
fn capped(exe: &std::path::Path) -> Command {
    let mut command = Command::new(exe);
    command.arg(SUBCOMMAND);
    command
}

fn read_message(from: &mut impl Read) -> Option<Message> {
    let mut head = [0u8; 9];
    from.read_exact(&mut head).ok()?;
    let len = u64::from_le_bytes(head[1..].try_into().expect("8 bytes"));
    let mut body = Vec::new();
    from.take(len).read_to_end(&mut body).ok()?;
    let text = || String::from_utf8_lossy(&body).into_owned();
    match head[0] {
        TEMPLATE => Some(Message::Template(text())),
        OK => Some(Message::Done(Ok(body))),
        ERR => Some(Message::Done(Err(text()))),
        _ => None,
    }
}

fn write_message(to: &mut impl Write, tag: u8, body: &[u8]) {
    // The parent has gone (killed us, or ended): nothing is left to tell.
    let _ = to
        .write_all(&[tag])
        .and_then(|()| to.write_all(&(body.len() as u64).to_le_bytes()))
        .and_then(|()| to.write_all(body))
        .and_then(|()| to.flush());
}

/// The child's side: reads one job from stdin, does it and answers on
/// stdout.
pub fn serve() -> ExitCode {
    let mut input = Vec::new();
    let mut out = std::io::stdout().lock();
    if let Err(err) = std::io::stdin().read_to_end(&mut input) {
        write_message(&mut out, ERR, err.to_string().as_bytes());
        return ExitCode::FAILURE;
    }
    let job: Job = match serde_json::from_slice(&input) {
        Ok(job) => job,
        Err(err) => {
            write_message(&mut out, ERR, err.to_string().as_bytes());
            return ExitCode::FAILURE;
        }
    };
    let result = match job {
        Job::Narrative {
            facts_path,
            facts_text,
            profile,
            section,
        } => FactsFile::parse(&facts_path, facts_text)
            .and_then(|facts| Ok((facts, Profile::resolve(&profile)?)))
            .and_then(|(facts, profile)| {
                pipeline::build_with(&profile, &facts, section.as_deref(), &mut |template| {
                    write_message(&mut out, TEMPLATE, template.as_bytes())
                })
            })
            .map(|_| Vec::new())
            .map_err(|err| err.to_string()),
        Job::Typeset { typeset, max_pages } => typeset
            .run(Some(max_pages))
            .map(|(exported, _warnings)| pack(&exported))
            .map_err(|err| err.to_string()),
    };
    match result {
        Ok(bytes) => write_message(&mut out, OK, &bytes),
        Err(message) => write_message(&mut out, ERR, message.as_bytes()),
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_unpacks_as_packed_and_not_when_cut() {
        let exported = Exported {
            pages: 3,
            files: vec![b"\x89PNG one".to_vec(), Vec::new(), b"three".to_vec()],
        };
        let packed = pack(&exported);
        let back = unpack(&packed).unwrap();
        assert_eq!((back.pages, back.files), (3, exported.files));
        assert!(unpack(&packed[..packed.len() - 1]).is_none());
        assert!(unpack(&packed[..5]).is_none());
    }
}
