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
        orderbook_chain::in_process::process,
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
