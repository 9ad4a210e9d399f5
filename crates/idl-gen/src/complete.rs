//! What the IDL builder cannot see and clients need.
//!
//! - `#[event_cpi]` adds two accounts to every instruction, `event_authority`
//!   (a PDA of the program) and `program` (the program itself), but Anchor
//!   1.2.2's builder leaves out the PDA's seeds and the program's address
//!   that Anchor 0.30/0.31 IDLs carried. Without them a TypeScript caller
//!   must pass both by hand, and `.accounts({...})` does not type-check.
//! - A trader account is created at the PDA `[TRADER_SEED, market, owner]`
//!   (`open_trader_account` declares those seeds); the other instructions
//!   check it by its recorded market and owner, which names the same single
//!   account but keeps the program's own `WrongTraderAccount` error, so the
//!   builder sees no seeds there. The creating instruction's seeds are copied
//!   to every `trader` account beside a `market` and an `owner`.

use anchor_lang_idl::types::{
    Idl, IdlInstructionAccount, IdlInstructionAccountItem, IdlPda, IdlSeed, IdlSeedConst,
};

/// The seed of Anchor's event authority PDA (`#[event_cpi]`).
pub const EVENT_AUTHORITY_SEED: &[u8] = b"__event_authority";

/// Everything below, in one pass over the built IDL.
pub fn complete(idl: &mut Idl) {
    complete_event_cpi_accounts(idl);
    complete_trader_pdas(idl);
}

/// Give every instruction's `event_authority` its seeds and `program` its
/// address (the IDL's own), where the builder left them out.
fn complete_event_cpi_accounts(idl: &mut Idl) {
    let program_id = idl.address.clone();
    for instruction in &mut idl.instructions {
        for item in &mut instruction.accounts {
            if let IdlInstructionAccountItem::Single(account) = item {
                complete_event_cpi_account(account, &program_id);
            }
        }
    }
}

fn complete_event_cpi_account(account: &mut IdlInstructionAccount, program_id: &str) {
    match account.name.as_str() {
        "event_authority" if account.pda.is_none() => {
            account.pda = Some(IdlPda {
                seeds: vec![IdlSeed::Const(IdlSeedConst {
                    value: EVENT_AUTHORITY_SEED.to_vec(),
                })],
                program: None,
            });
        }
        "program" if account.address.is_none() => {
            account.address = Some(program_id.to_owned());
        }
        _ => {}
    }
}

/// Copy the seeds the trader account is created with to every `trader`
/// account (beside `market` and `owner`) that has none.
fn complete_trader_pdas(idl: &mut Idl) {
    let Some(seeds) = creation_seeds(idl, "trader") else {
        return;
    };
    for instruction in &mut idl.instructions {
        let names: Vec<String> = instruction.accounts.iter().map(item_name).collect();
        let has = |name: &str| names.iter().any(|n| n == name);
        if !(has("market") && has("owner")) {
            continue;
        }
        for item in &mut instruction.accounts {
            if let IdlInstructionAccountItem::Single(account) = item
                && account.name == "trader"
                && account.pda.is_none()
            {
                account.pda = Some(seeds.clone());
            }
        }
    }
}

/// The seeds of the first instruction account called `name` that has them.
fn creation_seeds(idl: &Idl, name: &str) -> Option<IdlPda> {
    idl.instructions
        .iter()
        .flat_map(|instruction| &instruction.accounts)
        .find_map(|item| match item {
            IdlInstructionAccountItem::Single(account) if account.name == name => {
                account.pda.clone()
            }
            _ => None,
        })
}

fn item_name(item: &IdlInstructionAccountItem) -> String {
    match item {
        IdlInstructionAccountItem::Single(account) => account.name.clone(),
        IdlInstructionAccountItem::Composite(accounts) => accounts.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str) -> IdlInstructionAccountItem {
        IdlInstructionAccountItem::Single(IdlInstructionAccount {
            name: name.into(),
            docs: vec![],
            writable: false,
            signer: false,
            optional: false,
            address: None,
            pda: None,
            relations: vec![],
        })
    }

    fn single(item: &IdlInstructionAccountItem) -> &IdlInstructionAccount {
        match item {
            IdlInstructionAccountItem::Single(account) => account,
            IdlInstructionAccountItem::Composite(_) => panic!("composite"),
        }
    }

    /// The committed IDL has both completions on every instruction that
    /// emits events, and nothing else changed.
    #[test]
    fn committed_idl_names_the_event_authority_seeds_and_program_address() {
        let text = include_str!("../../../idl/orderbook.json");
        let idl: Idl = serde_json::from_str(text).unwrap();
        let mut with_events = 0;
        for instruction in &idl.instructions {
            let names: Vec<&str> = instruction
                .accounts
                .iter()
                .map(|a| single(a).name.as_str())
                .collect();
            let Some(at) = names.iter().position(|n| *n == "event_authority") else {
                continue;
            };
            with_events += 1;
            let authority = single(&instruction.accounts[at]);
            let seeds = &authority.pda.as_ref().expect("event_authority seeds").seeds;
            assert_eq!(
                seeds,
                &vec![IdlSeed::Const(IdlSeedConst {
                    value: EVENT_AUTHORITY_SEED.to_vec()
                })]
            );
            let program = single(&instruction.accounts[at + 1]);
            assert_eq!(program.name, "program");
            assert_eq!(program.address.as_deref(), Some(idl.address.as_str()));
        }
        assert_eq!(
            with_events,
            idl.instructions.len(),
            "every instruction emits events"
        );
    }

    /// Every `trader` account of the committed IDL beside an owner is the
    /// PDA `[TRADER_SEED, market, owner]`, as `open_trader_account` creates it.
    #[test]
    fn committed_idl_derives_every_trader_account() {
        let idl: Idl = serde_json::from_str(include_str!("../../../idl/orderbook.json")).unwrap();
        let created = creation_seeds(&idl, "trader").expect("open_trader_account's seeds");
        assert_eq!(
            serde_json::to_value(&created.seeds).unwrap(),
            serde_json::json!([
                { "kind": "const", "value": b"trader".to_vec() },
                { "kind": "account", "path": "market" },
                { "kind": "account", "path": "owner" },
            ])
        );
        let mut derived = 0;
        for instruction in &idl.instructions {
            for item in &instruction.accounts {
                let account = single(item);
                if account.name == "trader" {
                    assert_eq!(account.pda.as_ref(), Some(&created), "{}", instruction.name);
                    derived += 1;
                }
            }
        }
        assert_eq!(derived, 16, "every instruction that takes a trader account");
    }

    #[test]
    fn only_missing_fields_are_filled() {
        let mut idl: Idl =
            serde_json::from_str(include_str!("../../../idl/orderbook.json")).unwrap();
        let instruction = &mut idl.instructions[0];
        instruction.accounts = vec![
            account("owner"),
            account("event_authority"),
            account("program"),
        ];
        let IdlInstructionAccountItem::Single(program) = &mut instruction.accounts[2] else {
            unreachable!()
        };
        program.address = Some("Elsewhere1111111111111111111111111111111111".into());
        complete(&mut idl);
        let accounts = &idl.instructions[0].accounts;
        assert!(single(&accounts[0]).pda.is_none() && single(&accounts[0]).address.is_none());
        assert!(single(&accounts[1]).pda.is_some());
        assert_eq!(
            single(&accounts[2]).address.as_deref(),
            Some("Elsewhere1111111111111111111111111111111111")
        );
    }
}
