//! The `zpbg` command line: parses the arguments, calls the library and
//! prints what it returns. The library prints nothing; its typed errors
//! print through their `Display`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use zpbg::error::{Error, Result};
use zpbg::facts::FactsFile;
use zpbg::output;
use zpbg::pipeline::{self, DEFAULT_PROFILE};
use zpbg::profile::Profile;
use zpbg::render::{Archive, Export, FontSet, FontSources, Live};
use zpbg::sandbox::{self, Guard, Limits};
use zpbg::scoring::ScoreSheet;

mod cli {
    pub mod progress;
    pub mod watch;
}

/// 部门整体支出绩效自评报告生成器：事实数据 → 计算 → 评分 → 报告 PDF。
#[derive(Parser)]
#[command(name = "zpbg", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 由事实文件生成自评报告 PDF。
    Gen {
        /// 事实文件（TOML，或 Excel 工作簿 .xlsx）。
        facts: PathBuf,
        /// 输出文件路径；默认与事实文件同名、扩展名为 .pdf（或 .docx）。同时输出两种格式时指 PDF，Word 文件与它同名、扩展名为 .docx。--format png 或 svg 时是存放图片的目录（默认为事实文件所在目录），各页写作 <章节 id>-1.png、-2.png…（不带 --section 时以事实文件名开头），该目录中同名的多余旧页图片会被删除。
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// 输出格式：pdf、docx（可编辑的 Word 文件），或 pdf,docx 同时输出；png 或 svg 把每页写成一张图片（只能单独使用），供编辑器或聊天中预览。
        #[arg(
            long,
            value_enum,
            value_delimiter = ',',
            default_value = "pdf",
            value_name = "FORMAT",
            conflicts_with = "emit"
        )]
        format: Vec<ReportFormat>,
        #[command(flatten)]
        ppi: PpiArg,
        /// 只生成一个章节：不带 -o 时以纯文本打印到标准输出，带 -o 时输出该章节的 PDF。
        #[arg(long, value_name = "ID")]
        section: Option<String>,
        /// 模板配置：内置配置名或配置目录；默认取事实文件中的 profile，再默认 hunan-2024。
        #[arg(long, value_name = "NAME|DIR")]
        profile: Option<String>,
        /// 即使有字符缺少字形（将显示为方框）也生成 PDF。
        #[arg(long)]
        allow_missing_glyphs: bool,
        /// 输出 PDF，或把 Typst 源文件、data.json 和字体写到 -o 指定的目录，供检查或用 typst 命令行编译。
        #[arg(long, value_enum, default_value_t = Emit::Pdf)]
        emit: Emit,
        /// 生成符合 PDF/A 归档标准的文件（a-2b 或 a-3b）。
        #[arg(long, value_enum, value_name = "STANDARD")]
        pdf_standard: Option<PdfStandardArg>,
        #[command(flatten)]
        fonts: FontArgs,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// 只评分、不排版：打印指标树、分值、得分和每项扣分理由。
    Score {
        /// 事实文件（TOML，或 Excel 工作簿 .xlsx）。
        facts: PathBuf,
        /// 输出格式。
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// 模板配置：内置配置名或配置目录。
        #[arg(long, value_name = "NAME|DIR")]
        profile: Option<String>,
    },
    /// 检查事实文件：报告错误和前后不一致之处，不生成报告。
    Check {
        /// 事实文件（TOML，或 Excel 工作簿 .xlsx）。
        facts: PathBuf,
        /// 有警告时也以退出码 1 结束。
        #[arg(long)]
        strict: bool,
        /// 模板配置：内置配置名或配置目录。
        #[arg(long, value_name = "NAME|DIR")]
        profile: Option<String>,
        #[command(flatten)]
        fonts: FontArgs,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// 生成一份事实文件模板：列出该配置需要的全部字段，附中文说明和示例值。
    Init {
        /// 模板配置：内置配置名或配置目录。
        #[arg(long, value_name = "NAME|DIR", default_value = DEFAULT_PROFILE)]
        profile: String,
        /// 写入的文件；不给时打印到标准输出。已存在的文件不会被覆盖。
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// 改为生成可填写的 Excel 工作簿（.xlsx）写到这个文件。
        #[arg(long, value_name = "FILE", conflicts_with = "output")]
        xlsx: Option<PathBuf>,
        /// 工作簿中填入示例值（与 TOML 模板相同），可直接生成报告。
        #[arg(long, requires = "xlsx")]
        example: bool,
    },
    /// 事实文件在 TOML 与 Excel 工作簿（.xlsx）之间转换，按输出文件的扩展名决定方向。
    Convert {
        /// 要转换的事实文件（.toml 或 .xlsx）。
        input: PathBuf,
        /// 转换结果（.xlsx 或 .toml）。已存在的文件不会被覆盖。
        #[arg(short, long)]
        output: PathBuf,
        /// 模板配置：转为工作簿时决定指标编号、文字块的下拉列表和表格工作表；默认取事实文件中的 profile。
        #[arg(long, value_name = "NAME|DIR")]
        profile: Option<String>,
    },
    /// 批量生成：每个单位一份报告 PDF，并在输出目录写汇总表（CSV 和 PDF）。
    Batch {
        /// 事实文件，或存放事实文件（*.toml、*.xlsx）的目录。
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// 输出目录；每份报告以事实文件名命名。
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// 每个单位的报告格式：pdf、docx，或 pdf,docx 同时输出。
        #[arg(
            long,
            value_enum,
            value_delimiter = ',',
            default_value = "pdf",
            value_name = "FORMAT"
        )]
        format: Vec<ReportFormat>,
        /// 模板配置：内置配置名或配置目录；给出时所有单位都用它。
        #[arg(long, value_name = "NAME|DIR")]
        profile: Option<String>,
        /// 同时生成的报告数；默认为 CPU 核数。
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        jobs: Option<u16>,
        /// 即使有字符缺少字形（将显示为方框）也生成 PDF。
        #[arg(long)]
        allow_missing_glyphs: bool,
        #[command(flatten)]
        fonts: FontArgs,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// 监视事实文件和模板配置：先生成一次，此后每次保存改动都重新生成，并报告用时、页数和总分的变化；出错时保留上次的结果。按 Ctrl-C 结束。
    Watch {
        /// 事实文件（TOML）。
        facts: PathBuf,
        /// 输出文件路径；默认与事实文件同名、扩展名为 .pdf。--format png 或 svg 时是存放图片的目录（默认为事实文件所在目录），各页写作 <章节 id>-1.png、-2.png…（不带 --section 时以事实文件名开头）。
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// 输出格式：pdf，或 png、svg（每页一张图片）。
        #[arg(long, value_enum, default_value = "pdf", value_name = "FORMAT")]
        format: PageFormat,
        #[command(flatten)]
        ppi: PpiArg,
        /// 只生成一个章节，例如正在修改的 problems。
        #[arg(long, value_name = "ID")]
        section: Option<String>,
        /// 模板配置：内置配置名或配置目录（其中的文件改动也会触发重新生成）；默认取事实文件中的 profile，再默认 hunan-2024。
        #[arg(long, value_name = "NAME|DIR")]
        profile: Option<String>,
        #[command(flatten)]
        fonts: FontArgs,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// 列出内置模板配置。
    Profiles,
    /// 在子进程中为非内置模板配置渲染（内部使用）。
    #[command(name = sandbox::SUBCOMMAND, hide = true)]
    Sandbox,
}

/// Fonts besides the bundled ones.
#[derive(clap::Args)]
struct FontArgs {
    /// 另加字体目录（递归查找其中的 ttf/otf/ttc 字体文件），可多次给出。模板配置 [fonts] 指定的字体在这里找到时即使用。
    #[arg(long = "font-path", value_name = "DIR")]
    font_paths: Vec<PathBuf>,
    /// 另加本机系统已安装的字体（默认只用内置字体，以保证各机器排出的报告相同）。
    #[arg(long)]
    system_fonts: bool,
}

impl FontArgs {
    fn load(&self) -> Result<FontSet> {
        Ok(FontSet::load(&FontSources {
            dirs: self.font_paths.clone(),
            system: self.system_fonts,
        })?)
    }
}

/// One 「提示：未找到字体…」 line on stderr per role of `profile` that falls
/// back to a bundled face.
fn print_font_notices(fonts: &FontSet, profile: &Profile) {
    let (_, substitutions) = fonts.resolve(&profile.fonts);
    for substitution in substitutions {
        eprintln!("{}", zpbg::error::printable(&substitution.to_string()));
    }
}

/// Limits on rendering with a profile that is not built in.
#[derive(clap::Args)]
struct LimitArgs {
    /// 非内置模板配置每个渲染阶段（章节模板、排版）的时间上限（秒）。
    #[arg(long, value_name = "SECONDS", default_value_t = sandbox::DEFAULT_TIME_LIMIT_SECS,
          value_parser = clap::value_parser!(u64).range(1..))]
    time_limit: u64,
    /// 非内置模板配置排出的报告页数上限。
    #[arg(long, value_name = "N", default_value_t = sandbox::DEFAULT_MAX_PAGES)]
    max_pages: usize,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            time: std::time::Duration::from_secs(self.time_limit),
            max_pages: self.max_pages,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PdfStandardArg {
    #[value(name = "a-2b")]
    A2b,
    #[value(name = "a-3b")]
    A3b,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Emit {
    Pdf,
    Typst,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    Pdf,
    Docx,
    Png,
    Svg,
}

/// The formats asked for, each once.
fn formats(list: &[ReportFormat]) -> output::Formats {
    output::Formats {
        pdf: list.contains(&ReportFormat::Pdf),
        docx: list.contains(&ReportFormat::Docx),
    }
}

/// The pictures asked for, if any; they go to a folder, so with no other
/// format.
fn pictures(list: &[ReportFormat], ppi: u16) -> Option<Export> {
    let picture = |f: &ReportFormat| match f {
        ReportFormat::Png => Some(PageFormat::Png),
        ReportFormat::Svg => Some(PageFormat::Svg),
        ReportFormat::Pdf | ReportFormat::Docx => None,
    };
    let found = list.iter().find_map(picture)?;
    if list.iter().any(|f| picture(f) != Some(found)) {
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "--format png 或 svg 须单独使用：图片按页写到 -o 指定的目录。需要 PDF 时请另外运行一次。",
            )
            .exit();
    }
    Some(found.export(ppi))
}

/// What `watch` writes each round.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PageFormat {
    Pdf,
    Png,
    Svg,
}

impl PageFormat {
    fn export(self, ppi: u16) -> Export {
        match self {
            PageFormat::Pdf => Export::Pdf,
            PageFormat::Png => Export::Png { ppi },
            PageFormat::Svg => Export::Svg,
        }
    }
}

/// The resolution of PNG pictures.
#[derive(clap::Args)]
struct PpiArg {
    /// PNG 图片的分辨率（每英寸像素数，1 至 600）：A4 页在 144 时为 1191 × 1684 像素，在 72 时为 595 × 842 像素。
    #[arg(long, value_name = "PPI", default_value_t = zpbg::render::DEFAULT_PPI,
          value_parser = clap::value_parser!(u16).range(1..=i64::from(zpbg::render::MAX_PPI)))]
    ppi: u16,
}

/// Where pictures go without `-o`: beside the facts file.
fn facts_folder(facts: &Path) -> PathBuf {
    match facts.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What picture files start with: the section's id, else the facts file's
/// name.
fn picture_stem(facts: &Path, section: Option<&str>) -> String {
    section.map_or_else(
        || {
            facts
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        },
        str::to_owned,
    )
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

fn main() -> ExitCode {
    clean_up_on_signals();
    match run(Cli::parse()) {
        Ok(code) => code,
        // The reader of stdout stopped reading (`| head -1`): it has what it wanted.
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("错误：{err}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Check {
            facts,
            strict,
            profile,
            fonts,
            limits,
        } => {
            // Everything `gen` does short of writing, so `check` refuses
            // whatever `gen` would.
            let fonts = fonts.load()?;
            let facts = FactsFile::load(&facts)?;
            let name = pipeline::profile_name(profile.as_deref(), &facts);
            let profile = Profile::resolve(&name)?;
            print_font_notices(&fonts, &profile);
            let guard = Guard::new(&name, limits.limits());
            let report = pipeline::build_guarded(&profile, &facts, None, guard.as_ref())?;
            pipeline::verify(&report, &profile, &facts, &fonts)?;
            let warnings = print_warnings(&facts, &profile, &report.sheet)?;
            let sheet = report.sheet;
            if warnings > 0 {
                eprintln!("{}：{warnings} 条警告。", facts.path.display());
                return Ok(ExitCode::from(if strict { 1 } else { 0 }));
            }
            eprintln!(
                "{}：检查通过（{}，总分 {}{}）。",
                facts.path.display(),
                profile.id,
                zpbg::num::points(sheet.total),
                grade_suffix(&sheet.grade)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Gen {
            facts,
            output,
            section,
            profile,
            allow_missing_glyphs,
            emit,
            pdf_standard,
            fonts,
            limits,
            format,
            ppi,
        } => generate(&Gen {
            facts: &facts,
            output,
            formats: formats(&format),
            pictures: pictures(&format, ppi.ppi),
            section: section.as_deref(),
            profile: profile.as_deref(),
            allow_missing_glyphs,
            emit,
            archive: pdf_standard.map(|s| match s {
                PdfStandardArg::A2b => Archive::A2b,
                PdfStandardArg::A3b => Archive::A3b,
            }),
            limits: limits.limits(),
            fonts: &fonts,
        })
        .map(|()| ExitCode::SUCCESS),
        Command::Score {
            facts,
            format,
            profile,
        } => {
            let (_, _, sheet) = load_and_score(&facts, profile.as_deref())?;
            let text = match format {
                Format::Table => zpbg::export::table(&sheet),
                Format::Json => zpbg::export::json(&sheet),
                Format::Csv => zpbg::export::csv(&sheet),
            };
            print_stdout(&text).map(|()| ExitCode::SUCCESS)
        }
        Command::Init {
            profile,
            output,
            xlsx,
            example,
        } => {
            let profile = Profile::resolve(&profile)?;
            if let Some(path) = xlsx {
                let bytes = zpbg::xlsx::write::template(&profile, example).map_err(|message| {
                    Error::Workbook {
                        path: path.clone(),
                        message,
                    }
                })?;
                zpbg::xlsx::save_new(&path, &bytes)?;
                eprintln!(
                    "已生成 {}：请在白色输入格中填写本单位的数据，然后运行 zpbg check。",
                    path.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let text = zpbg::init::facts_template(&profile);
            match output {
                None => print_stdout(&text),
                Some(path) => write_new(&path, &text),
            }
            .map(|()| ExitCode::SUCCESS)
        }
        Command::Convert {
            input,
            output,
            profile,
        } => {
            zpbg::xlsx::convert(&input, &output, profile.as_deref())?;
            eprintln!("已转换：{} → {}", input.display(), output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Batch {
            inputs,
            output,
            profile,
            jobs,
            allow_missing_glyphs,
            fonts,
            limits,
            format,
        } => {
            let fonts = fonts.load()?;
            let progress = cli::progress::Progress::new();
            let outcome = zpbg::batch::run(
                &zpbg::batch::Options {
                    inputs: &inputs,
                    out_dir: &output,
                    profile: profile.as_deref(),
                    jobs: jobs.map(usize::from),
                    allow_missing_glyphs,
                    limits: limits.limits(),
                    fonts: &fonts,
                    formats: formats(&format),
                },
                &mut |event| progress.show(event),
            )?;
            // Once for the batch: units of one profile share its notices.
            let mut notices: Vec<&zpbg::render::Substitution> = Vec::new();
            for unit in &outcome.units {
                if let Ok(done) = &unit.result {
                    for s in &done.substitutions {
                        if !notices.contains(&s) {
                            notices.push(s);
                        }
                    }
                }
            }
            for notice in notices {
                eprintln!("{}", zpbg::error::printable(&notice.to_string()));
            }
            let failed = outcome.failed();
            let mut warnings = 0;
            for unit in &outcome.units {
                if let Ok(done) = &unit.result {
                    for w in &done.warnings {
                        print_warning(&unit.facts, w);
                    }
                    warnings += done.warnings.len();
                }
            }
            if warnings > 0 {
                eprintln!("共 {warnings} 条警告（见上）。");
            }
            match &outcome.summary {
                None => eprintln!("没有生成任何报告，未写汇总表。"),
                Some(files) => eprintln!(
                    "已生成 {} 份报告，{failed} 份失败；汇总表：{}、{}、{}",
                    outcome.rendered(),
                    files.csv.display(),
                    files.pdf.display(),
                    files.xlsx.display()
                ),
            }
            Ok(ExitCode::from(if failed > 0 { 1 } else { 0 }))
        }
        Command::Watch {
            facts,
            output,
            format,
            ppi,
            section,
            profile,
            fonts,
            limits,
        } => {
            let fonts = fonts.load()?;
            let target = match format.export(ppi.ppi) {
                Export::Pdf => {
                    zpbg::watch::Target::Pdf(output.unwrap_or_else(|| facts.with_extension("pdf")))
                }
                export => zpbg::watch::Target::Pages {
                    dir: output.unwrap_or_else(|| facts_folder(&facts)),
                    stem: picture_stem(&facts, section.as_deref()),
                    export,
                },
            };
            cli::watch::run(zpbg::watch::Options {
                facts: &facts,
                profile: profile.as_deref(),
                section: section.as_deref(),
                target: &target,
                fonts: &fonts,
                limits: limits.limits(),
            })
            .map(|()| ExitCode::SUCCESS)
        }
        Command::Profiles => {
            let mut text = String::new();
            for id in Profile::builtin_ids() {
                let p = Profile::builtin(id)?;
                text += &format!("{id}\t{}\n", p.name);
                if let Some(d) = &p.description {
                    text += &format!("\t{d}\n");
                }
            }
            print_stdout(&text).map(|()| ExitCode::SUCCESS)
        }
        Command::Sandbox => Ok(sandbox::serve()),
    }
}

/// The options of `zpbg gen`.
struct Gen<'a> {
    facts: &'a Path,
    output: Option<PathBuf>,
    formats: output::Formats,
    /// `--format png|svg`, which writes no other format.
    pictures: Option<Export>,
    section: Option<&'a str>,
    profile: Option<&'a str>,
    allow_missing_glyphs: bool,
    emit: Emit,
    archive: Option<Archive>,
    limits: Limits,
    fonts: &'a FontArgs,
}

fn generate(args: &Gen) -> Result<()> {
    let facts = FactsFile::load(args.facts)?;
    let name = pipeline::profile_name(args.profile, &facts);
    let profile = Profile::resolve(&name)?;
    let target = match (args.emit, args.pictures, args.section, &args.output) {
        (Emit::Typst, _, _, dir) => Target::Typst(dir.clone().unwrap_or_else(|| {
            let stem = args.facts.file_stem().unwrap_or_default().to_string_lossy();
            args.facts.with_file_name(format!("{stem}-typst"))
        })),
        (Emit::Pdf, Some(export), section, dir) => Target::Pages {
            dir: dir.clone().unwrap_or_else(|| facts_folder(args.facts)),
            stem: picture_stem(args.facts, section),
            export,
        },
        // One section and nowhere to put a PDF: the section is read on screen.
        (Emit::Pdf, None, Some(_), None) if args.formats == output::Formats::default() => {
            Target::Text
        }
        (Emit::Pdf, None, _, path) => files(args.facts, path.as_deref(), args.formats),
    };
    // Before any work: a refused output should not wait for the report.
    for part in target.parts() {
        let sink = &mut std::io::sink();
        output::check(&part.format(args, sink), &facts.path, &profile)?;
    }
    // Plain text uses no fonts.
    let fonts = match target {
        Target::Text => FontSet::bundled().clone(),
        _ => {
            let fonts = args.fonts.load()?;
            print_font_notices(&fonts, &profile);
            fonts
        }
    };
    let guard = Guard::new(&name, args.limits);
    let report = pipeline::build_guarded(&profile, &facts, args.section, guard.as_ref())?;
    print_warnings(&facts, &profile, &report.sheet)?;
    let mut pages = 0;
    for part in target.parts() {
        let stdout = &mut std::io::stdout().lock();
        let format = part.format(args, stdout);
        let live = &mut Live::default();
        pages =
            output::write_live(&report, &profile, &facts, &fonts, format, live)?.unwrap_or(pages);
    }
    match &target {
        Target::Typst(dir) => {
            // The faces chosen from the user's folders or the system are
            // not copied: the command names where they are.
            let mut extra: String = (args.fonts.font_paths.iter())
                .map(|p| format!(" --font-path {}", p.display()))
                .collect();
            if !args.fonts.system_fonts {
                extra += " --ignore-system-fonts";
            }
            eprintln!(
                "已写出 Typst 源文件到 {0}。编译：typst compile --root {0} --font-path {0}/fonts{extra} {0}/{1}",
                dir.display(),
                profile.main
            )
        }
        Target::Text => {}
        Target::Pages { dir, stem, export } => eprintln!(
            "已生成 {pages} 页图片：{}{}（{} 个章节，总分 {}{}）",
            dir.join(output::page_name(stem, 1, export.extension()))
                .display(),
            if pages > 1 {
                format!(" 至 {}", output::page_name(stem, pages, export.extension()))
            } else {
                String::new()
            },
            report.data.sections.len(),
            zpbg::num::points(report.sheet.total),
            grade_suffix(&report.sheet.grade)
        ),
        Target::Pdf(_) | Target::Docx(_) | Target::Both(..) => eprintln!(
            "已生成 {}（{} 个章节，总分 {}{}）",
            target
                .parts()
                .iter()
                .map(|t| t.path().display().to_string())
                .collect::<Vec<_>>()
                .join("、"),
            report.data.sections.len(),
            zpbg::num::points(report.sheet.total),
            grade_suffix(&report.sheet.grade)
        ),
    }
    Ok(())
}

/// Where `zpbg gen` writes.
enum Target {
    Typst(PathBuf),
    Text,
    Pdf(PathBuf),
    Docx(PathBuf),
    /// The PDF, then the Word file beside it.
    Both(PathBuf, PathBuf),
    /// One picture per page, `dir/<stem>-1.png`….
    Pages {
        dir: PathBuf,
        stem: String,
        export: Export,
    },
}

/// The files of `formats`: at `-o` (the PDF's path when both are asked
/// for) or beside the facts file; the Word file of both beside the PDF,
/// with the same stem.
fn files(facts: &Path, output: Option<&Path>, formats: output::Formats) -> Target {
    let at = |ext| output.map_or_else(|| facts.with_extension(ext), Path::to_path_buf);
    match (formats.pdf, formats.docx) {
        (true, true) => {
            let mut pdf = at("pdf");
            let docx = pdf.with_extension("docx");
            if pdf == docx {
                pdf = pdf.with_extension("pdf");
            }
            Target::Both(pdf, docx)
        }
        (false, true) => Target::Docx(at("docx")),
        _ => Target::Pdf(at("pdf")),
    }
}

impl Target {
    /// Each file written, one target each, in the order written.
    fn parts(&self) -> Vec<Target> {
        match self {
            Target::Both(pdf, docx) => vec![Target::Pdf(pdf.clone()), Target::Docx(docx.clone())],
            Target::Typst(dir) => vec![Target::Typst(dir.clone())],
            Target::Text => vec![Target::Text],
            Target::Pdf(path) => vec![Target::Pdf(path.clone())],
            Target::Docx(path) => vec![Target::Docx(path.clone())],
            Target::Pages { dir, stem, export } => vec![Target::Pages {
                dir: dir.clone(),
                stem: stem.clone(),
                export: *export,
            }],
        }
    }

    /// The file or folder written; none for text on standard output.
    fn path(&self) -> &Path {
        match self {
            Target::Typst(path)
            | Target::Pdf(path)
            | Target::Docx(path)
            | Target::Pages { dir: path, .. } => path,
            Target::Both(pdf, _) => pdf,
            Target::Text => Path::new("-"),
        }
    }

    /// The format writing here, printing text to `to`.
    fn format<'a>(&'a self, args: &Gen, to: &'a mut dyn std::io::Write) -> output::Format<'a> {
        match self {
            Target::Typst(dir) => output::Format::TypstSource { dir },
            Target::Text => output::Format::Text { to },
            Target::Pdf(path) | Target::Both(path, _) => output::Format::Pdf {
                path,
                archive: args.archive,
                check_glyphs: !args.allow_missing_glyphs,
            },
            Target::Docx(path) => output::Format::Docx { path },
            Target::Pages { dir, stem, export } => output::Format::Pages {
                dir,
                stem,
                export: *export,
                check_glyphs: !args.allow_missing_glyphs,
            },
        }
    }
}

/// On Ctrl-C or SIGTERM, removes the temporary files being written and
/// exits 128 + the signal's number, as a shell reports a killed command.
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    // Without the handler zpbg still works; an interrupted run may then
    // leave a temporary file, as before.
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _held = output::remove_temp_files();
            std::process::exit(128 + signal);
        }
    });
}

/// Prints the consistency and review warnings to stderr and returns how
/// many there were.
fn print_warnings(facts: &FactsFile, profile: &Profile, sheet: &ScoreSheet) -> Result<usize> {
    let warnings = zpbg::check::all(facts, profile, sheet)?;
    for w in &warnings {
        print_warning(&facts.path, w);
    }
    Ok(warnings.len())
}

/// 「警告：file:line：字段 …」, the line when the facts give one.
fn print_warning(file: &Path, warning: &zpbg::check::Warning) {
    match warning.line {
        Some(line) => eprintln!("警告：{}:{line}：{warning}", file.display()),
        None => eprintln!("警告：{}：{warning}", file.display()),
    }
}

/// What `score` needs: the facts, their profile and the scores.
fn load_and_score(path: &Path, flag: Option<&str>) -> Result<(FactsFile, Profile, ScoreSheet)> {
    let facts = FactsFile::load(path)?;
    let profile = Profile::resolve(&pipeline::profile_name(flag, &facts))?;
    let sheet = pipeline::score_only(&profile, &facts)?;
    Ok((facts, profile, sheet))
}

/// Writes a file that must not exist yet, so `init` never clobbers real data.
fn write_new(path: &Path, text: &str) -> Result<()> {
    use std::fs::OpenOptions;
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    eprintln!(
        "已生成 {}：请把示例值替换为本单位的数据，然后运行 zpbg check。",
        path.display()
    );
    Ok(())
}

fn print_stdout(text: &str) -> Result<()> {
    output::print(&mut std::io::stdout().lock(), text)
}

/// 「，等级 优」, or nothing when the framework declares no grades.
fn grade_suffix(grade: &Option<String>) -> String {
    grade
        .as_ref()
        .map(|g| format!("，等级 {g}"))
        .unwrap_or_default()
}
