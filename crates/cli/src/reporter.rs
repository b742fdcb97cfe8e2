//! Progress bars for downloads (indicatif), hidden when stderr is not a
//! terminal or with `--quiet`.

#![allow(clippy::print_stderr)]

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use pyman_installer::Reporter;
use pyman_installer::download::Progress;

pub struct BarReporter {
    multi: MultiProgress,
    visible: bool,
    quiet: bool,
}

impl BarReporter {
    pub fn new(quiet: bool) -> BarReporter {
        let visible = !quiet && std::io::stderr().is_terminal();
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        BarReporter {
            multi: MultiProgress::with_draw_target(target),
            visible,
            quiet,
        }
    }
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn set_total(&self, bytes: u64) {
        self.0.set_length(bytes);
    }
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

impl Reporter for BarReporter {
    fn progress(&self, label: &str) -> Arc<dyn Progress> {
        let bar = self.multi.add(ProgressBar::new(0));
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix:>12} [{bar:30}] {bytes:>10}/{total_bytes:10} {bytes_per_sec:>12} {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(format!("Python {label}"));
        bar.enable_steady_tick(Duration::from_millis(120));
        Arc::new(Bar(bar))
    }

    fn message(&self, msg: &str) {
        if self.quiet {
            return;
        }
        // Retry and cache messages can carry a URL from a downloads JSON.
        let msg = crate::printer::safe(msg);
        let msg = msg.as_str();
        if self.visible {
            let _ = self.multi.println(msg);
        } else {
            eprintln!("{msg}");
        }
    }
}
