//! The order-book program inside LiteSVM: natively (the host build, with
//! the syscall stubs `solana-program-test` provides) or an SBF build.

use super::*;

/// The native program needs the syscall stubs `solana-program-test`
/// installs (CPI, sysvars, logs) when it starts its first bank; there is no
/// other public way to install them, so start one once and drop it.
fn install_native_syscalls() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the syscall stubs");
            runtime.block_on(async {
                let _ = solana_program_test::ProgramTest::default().start().await;
            });
        })
        .join()
        .expect("installing the native syscall stubs");
    });
}

/// The runtime's builtin entry for the native program: what
/// `solana_program_test::processor!` expands to, as a function so that it is
/// generic over the VM's lifetime as LiteSVM's `add_builtin` wants.
fn native_entry(
    vm: *mut solana_program_test::EbpfVm<solana_program_test::InvokeContext>,
    _: u64,
    _: u64,
    _: u64,
    _: u64,
    _: u64,
) {
    use solana_program_test::{EbpfError, EbpfVm, InvokeContext, get_runtime_environment_key};
    // SAFETY: the runtime passes the VM's context pointer offset by the
    // environment key, exactly as for program-test's own builtins.
    let vm = unsafe {
        &mut *((vm as *mut u64).offset(-(get_runtime_environment_key() as isize))
            as *mut EbpfVm<InvokeContext>)
    };
    vm.program_result = solana_program_test::invoke_builtin_function(
        super::native::process,
        vm.context_object_pointer,
    )
    .map_err(EbpfError::SyscallError)
    .into();
}

pub(super) fn new_svm(program_so: Option<&std::path::Path>) -> Result<LiteSVM> {
    // Signatures and blockhashes are checked by the bank itself (its own
    // window, by block height); LiteSVM only knows its latest hash.
    let mut svm = LiteSVM::new()
        .with_sigverify(false)
        .with_blockhash_check(false)
        .with_transaction_history(0)
        .with_log_bytes_limit(Some(100_000));
    match program_so {
        Some(path) => svm
            .add_program_from_file(orderbook::ID, path)
            .map_err(|e| anyhow::anyhow!("loading {}: {e}", path.display()))?,
        None => {
            install_native_syscalls();
            svm.add_builtin(orderbook::ID, native_entry);
        }
    }
    Ok(svm)
}

/// How the program runs, which decides what its frames write to the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ProgramRuntime {
    Native,
    Sbf,
}

impl ProgramRuntime {
    /// The transaction's log as a cluster running the `.so` writes it.
    ///
    /// Natively, `solana-program-test`'s stubs log beside the runtime: its
    /// builtin entry writes the program's `invoke [n]` and closing line again
    /// inside the runtime's, and its CPI stub writes each callee's invoke
    /// line at the caller's height (just before the runtime's, one deeper)
    /// and a closing line after the callee's. This keeps the runtime's lines:
    /// one `invoke [n]` and one closing line per frame, as on a validator.
    pub(super) fn logs(self, logs: Vec<String>) -> Vec<String> {
        if self == ProgramRuntime::Sbf {
            return logs;
        }
        let native = orderbook::ID.to_string();
        let mut kept = Vec::with_capacity(logs.len());
        let mut frames: Vec<Frame> = Vec::new();
        let mut stub_cpi = false;
        for (i, line) in logs.iter().enumerate() {
            if let Some((program, height)) = invoke_line(line) {
                let next = logs.get(i + 1).and_then(|l| invoke_line(l));
                if next == Some((program, height + 1)) {
                    stub_cpi = true; // the CPI stub's line; the runtime's follows
                    continue;
                }
                if program == native && i > 0 && logs[i - 1] == *line {
                    continue; // the builtin entry's copy
                }
                let extra = u8::from(program == native) + u8::from(stub_cpi);
                frames.push(Frame {
                    program,
                    extra,
                    closed: false,
                });
                stub_cpi = false;
            } else if let Some(program) = closing_line(line) {
                // An inner frame whose copies never came (it failed) is done.
                while frames
                    .last()
                    .is_some_and(|f| f.closed && f.program != program)
                {
                    frames.pop();
                }
                if let Some(frame) = frames.last_mut().filter(|f| f.program == program) {
                    if frame.closed {
                        frame.extra -= 1;
                        if frame.extra == 0 {
                            frames.pop();
                        }
                        continue;
                    }
                    frame.closed = true;
                    if frame.extra == 0 {
                        frames.pop();
                    }
                }
            }
            kept.push(line.clone());
        }
        kept
    }
}

/// A program frame seen in the log: closing copies still expected once closed.
struct Frame<'a> {
    program: &'a str,
    extra: u8,
    closed: bool,
}

/// `Program <id> invoke [<height>]`.
fn invoke_line(line: &str) -> Option<(&str, u32)> {
    let rest = line.strip_prefix("Program ")?;
    let (program, height) = rest.split_once(" invoke [")?;
    Some((program, height.strip_suffix(']')?.parse().ok()?))
}

/// `Program <id> success` or `Program <id> failed: …`.
fn closing_line(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("Program ")?;
    rest.strip_suffix(" success")
        .or_else(|| rest.split_once(" failed: ").map(|(program, _)| program))
        .filter(|program| !program.contains(' '))
}

#[cfg(test)]
mod tests {
    use super::ProgramRuntime;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter()
            .map(|line| line.replace("OB", &orderbook::ID.to_string()))
            .collect()
    }

    #[test]
    fn native_frames_are_logged_once_as_on_a_validator() {
        // A placement that pays through the system program, then emits its
        // events by a self-CPI; then one that fails.
        let native = lines(&[
            "Program OB invoke [1]",
            "Program OB invoke [1]",
            "Program 111 invoke [1]",
            "Program 111 invoke [2]",
            "Program 111 success",
            "Program 111 success",
            "Program OB invoke [1]",
            "Program OB invoke [2]",
            "Program OB invoke [2]",
            "Program OB success",
            "Program OB success",
            "Program OB success",
            "Program OB success",
            "Program OB success",
            "Program OB invoke [1]",
            "Program OB invoke [1]",
            "Program Tok invoke [1]",
            "Program Tok invoke [2]",
            "Program log: Error: insufficient funds",
            "Program Tok consumed 1200 of 200000 compute units",
            "Program Tok failed: custom program error: 0x1",
            "Program OB failed: custom program error: 0x1",
            "Program OB failed: custom program error: 0x1",
        ]);
        let validator = lines(&[
            "Program OB invoke [1]",
            "Program 111 invoke [2]",
            "Program 111 success",
            "Program OB invoke [2]",
            "Program OB success",
            "Program OB success",
            "Program OB invoke [1]",
            "Program Tok invoke [2]",
            "Program log: Error: insufficient funds",
            "Program Tok consumed 1200 of 200000 compute units",
            "Program Tok failed: custom program error: 0x1",
            "Program OB failed: custom program error: 0x1",
        ]);
        assert_eq!(ProgramRuntime::Native.logs(native.clone()), validator);
        assert_eq!(ProgramRuntime::Sbf.logs(native.clone()), native);
    }
}
