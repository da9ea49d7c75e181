//! `zpbg batch`'s progress on stderr: a bar redrawn in place on a terminal,
//! one line per unit otherwise (logs, CI).

use std::io::{IsTerminal as _, Write as _};

use zpbg::batch::{Event, Unit};

pub struct Progress {
    tty: bool,
}

impl Progress {
    pub fn new() -> Self {
        Self {
            tty: std::io::stderr().is_terminal(),
        }
    }

    pub fn show(&self, event: Event) {
        match event {
            Event::Unit {
                finished,
                total,
                unit,
            } => self.unit(finished, total, unit),
            Event::UnitsDone => {
                if self.tty {
                    eprint!("\r\x1b[K");
                }
            }
        }
    }

    fn unit(&self, finished: usize, total: usize, unit: &Unit) {
        let count = format!("{finished}/{total}");
        let mut err = std::io::stderr().lock();
        // Progress is a courtesy: a closed stderr must not stop the batch.
        let _ = match (&unit.result, self.tty) {
            (Err(error), tty) => writeln!(
                err,
                "{}[{count}] 失败 {}：{error}",
                if tty { "\r\x1b[K" } else { "" },
                unit.facts.display()
            ),
            (Ok(rendered), false) => writeln!(err, "[{count}] ok {}", rendered.file_names()),
            (Ok(_), true) => Ok(()),
        };
        if self.tty {
            const WIDTH: usize = 20;
            let filled = finished * WIDTH / total;
            let name = match &unit.result {
                Ok(rendered) => abbreviate(&rendered.meta.unit),
                Err(_) => unit.facts.display().to_string(),
            };
            let _ = write!(
                err,
                "\r\x1b[K[{}{}] {count} {name}",
                "#".repeat(filled),
                "-".repeat(WIDTH - filled)
            );
            let _ = err.flush();
        }
    }
}

/// Keeps a unit name to one short line of the progress bar: control
/// characters dropped, a long name's middle elided.
fn abbreviate(name: &str) -> String {
    const HEAD: usize = 10;
    const TAIL: usize = 6;
    let chars: Vec<char> = name.chars().filter(|c| !c.is_control()).collect();
    if chars.len() <= HEAD + TAIL + 1 {
        return chars.into_iter().collect();
    }
    let head: String = chars[..HEAD].iter().collect();
    let tail: String = chars[chars.len() - TAIL..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_shorten_in_the_middle() {
        assert_eq!(
            abbreviate("芷江侗族自治县人力资源和社会保障局\n"),
            "芷江侗族自治县人力资源和社会保障局"
        );
        assert_eq!(
            abbreviate("怀化市洪江区人力资源和社会保障局劳动监察大队"),
            "怀化市洪江区人力资源…劳动监察大队"
        );
    }
}
