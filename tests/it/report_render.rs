//! The HTML annual report as a browser shows it: headless Chromium (Debian's `chromium`,
//! installed by scripts/test) takes a screenshot of the page at A4 proportions, and the
//! screenshot must show the charts' bars and the text, not an empty page.
//!
//! Run alone with `cargo test --test it report_render::`. The page and its screenshot are kept as
//! `target/test-artifacts/annual-report.html` and `.png`.

#![allow(clippy::unwrap_used)]

use crate::annual_fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use govshare_cli::annual::{self, svg::SERIES_COLOURS};

/// A4 at 150 dots per inch.
const WIDTH: u32 = 1240;
const HEIGHT: u32 = 1754;

fn chromium() -> PathBuf {
    ["chromium", "chromium-browser"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(|dir| dir.join(name))
                .find(|path| path.is_file())
        })
        .expect("chromium is not installed: run scripts/test, or apt-get install chromium")
}

/// `target/test-artifacts`, beside the directory cargo gives integration tests.
fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Takes a screenshot of `page` with headless Chromium into `out`.
fn screenshot(page: &Path, out: &Path, profile: &Path) {
    let _ = std::fs::remove_file(out);
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(format!("--screenshot={}", out.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("chromium took more than two minutes for one screenshot");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap_or_default();
    assert!(
        status.success() && out.is_file(),
        "chromium failed ({status}): {stderr}"
    );
}

/// The screenshot's pixels as RGB, row by row.
fn decode(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let bytes = std::fs::read(path).unwrap();
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let channels = match frame.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected screenshot colour type {other:?}"),
    };
    let pixels = buf[..frame.buffer_size()]
        .chunks_exact(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (frame.width, frame.height, pixels)
}

/// `#1f5fa8` as RGB.
fn rgb(hex: &str) -> [u8; 3] {
    let n = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    [(n >> 16) as u8, (n >> 8) as u8, n as u8]
}

/// Pixels within a small distance of `colour` (the inside of a bar, not its blended edges).
fn count(pixels: &[[u8; 3]], colour: [u8; 3]) -> usize {
    pixels
        .iter()
        .filter(|p| p.iter().zip(colour).all(|(a, b)| a.abs_diff(b) <= 3))
        .count()
}

#[test]
fn chromium_shows_the_charts_of_the_html_report() {
    let work = tempfile::tempdir().unwrap();
    let page = artifacts_dir().join("annual-report.html");
    std::fs::write(&page, annual::html(&annual_fixture::report())).unwrap();
    let out = artifacts_dir().join("annual-report.png");
    screenshot(&page, &out, &work.path().join("profile"));
    println!("page: {}\nscreenshot: {}", page.display(), out.display());

    let (width, height, pixels) = decode(&out);
    assert_eq!((width, height), (WIDTH, HEIGHT));
    let total = pixels.len();

    // Every chart draws its first series in the first colour; the catalogue charts at the
    // top of the page draw four series, the last (published at year end) the longest bars.
    let counts: Vec<usize> = SERIES_COLOURS[..4]
        .iter()
        .map(|colour| count(&pixels, rgb(colour)))
        .collect();
    println!(
        "pixels of the series colours {:?}: {counts:?}",
        &SERIES_COLOURS[..4]
    );
    let minimum = [2_000, 1_000, 100, 10_000];
    for ((colour, n), min) in SERIES_COLOURS.iter().zip(&counts).zip(minimum) {
        assert!(
            n > &min,
            "only {n} pixels of the bars' colour {colour}, expected over {min}"
        );
    }

    // Not blank: a white page with dark text and table rules.
    let white = count(&pixels, [255, 255, 255]);
    assert!(white > total / 2, "the page is not mostly white");
    let dark = pixels.iter().filter(|p| p.iter().all(|&c| c < 96)).count();
    assert!(dark > 10_000, "only {dark} dark (text) pixels");
}
