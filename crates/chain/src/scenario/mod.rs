//! Build markets and funded traders through any [`Chain`]: used by the
//! keeper's tests and bench, the local demo and the end-to-end tests, so
//! the same setup runs in-process or against a validator.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::system_instruction;
use orderbook::instructions::{CreateMarketArgs, PlaceOrderArgs};
use orderbook::types::{OrderType, Side};
use orderbook_client::ix::{self, MarketKeys};
use orderbook_client::{TokenKind, pda, setup};
use solana_keypair::Keypair;
use solana_keypair::Signer;
use solana_signature::Signature;

use crate::{Chain, ChainError};

mod batch;
pub use batch::{
    COMMIT_ATTEMPTS, Committed, batches, chain_slot, commit_encrypted, commit_sealed,
    enable_batch_mode, reveal_sealed, standard_batch_args, until_slot,
};

/// The market tests, benches and the demo use: 1,000 base atoms per lot, 10
/// quote atoms per lot, tick 1 quote lot, taker fee 0.05%, maker rebate 0.01%,
/// crank reward 5,000 lamports per event; it may grow to the program's
/// largest book sides and queue.
pub fn standard_market_args(authority: Pubkey) -> CreateMarketArgs {
    CreateMarketArgs {
        base_lot_size: 1_000,
        quote_lot_size: 10,
        tick_size: 1,
        taker_fee_ppm: 500,
        maker_fee_ppm: -100,
        crank_reward_lamports: 5_000,
        authority,
        fee_authority: authority,
        max_orders_per_side: orderbook::state::MAX_ORDERS_PER_SIDE,
        max_queue_events: orderbook::state::MAX_QUEUE_EVENTS,
    }
}

/// Attempts of [`send`] when the blockhash expires.
const SEND_ATTEMPTS: usize = 3;

/// What [`send`] signed last, process-wide.
static SENT: crate::repeat::SentMessages = crate::repeat::SentMessages::new();

/// Sign with `payer` (fee payer) and `signers`, send, confirm; rebuild with a
/// fresh blockhash and resend when it expires. A message sent before under
/// the same blockhash waits for the next one (`repeat`), so repeating an
/// action repeats it.
pub async fn send<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
    ixs: &[Instruction],
    signers: &[&Keypair],
) -> Result<(Signature, u64), ChainError> {
    let mut all: Vec<&Keypair> = vec![payer];
    all.extend(
        signers
            .iter()
            .copied()
            .filter(|s| s.pubkey() != payer.pubkey()),
    );
    let mut last = ChainError::BlockhashExpired;
    for _ in 0..SEND_ATTEMPTS {
        let tx = SENT.sign(chain, ixs, &all).await?;
        match chain.send_and_confirm(&tx).await {
            Err(ChainError::BlockhashExpired) => last = ChainError::BlockhashExpired,
            other => return other,
        }
    }
    Err(last)
}

/// Place `orders` for `trader`, `MAX_ORDERS_PER_BATCH` per transaction.
pub async fn place_all<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
    m: &MarketSetup,
    trader: &TraderSetup,
    orders: &[PlaceOrderArgs],
) -> Result<(), ChainError> {
    for chunk in orders.chunks(orderbook::instructions::MAX_ORDERS_PER_BATCH) {
        let ix = ix::place_orders(&trader.owner.pubkey(), &m.keys, chunk.to_vec(), None);
        send(chain, payer, &[ix], &[&trader.owner]).await?;
    }
    Ok(())
}

/// `taker` buys `lots` base lots with IOC bids up to `max_price`, 64 makers
/// per transaction (for filling queues in tests and benches).
pub async fn take_asks<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
    m: &MarketSetup,
    taker: &TraderSetup,
    orders: u64,
    lots_each: u64,
    max_price: u64,
) -> Result<(), ChainError> {
    let mut taken = 0;
    while taken < orders {
        let n = (orders - taken).min(64);
        let sweep = PlaceOrderArgs {
            match_limit: n as u8,
            // Two equal sweeps would be one transaction twice (a node
            // refuses the second as already processed).
            client_order_id: taken,
            ..PlaceOrderArgs::new(
                Side::Bid,
                OrderType::ImmediateOrCancel,
                max_price,
                lots_each * n,
            )
        };
        send(
            chain,
            payer,
            &[ix::place_order(&taker.owner.pubkey(), &m.keys, sweep, None)],
            &[&taker.owner],
        )
        .await?;
        taken += n;
    }
    Ok(())
}

/// A market created by [`create_market`].
pub struct MarketSetup {
    pub keys: MarketKeys,
    pub authority: Keypair,
    pub fee_authority: Keypair,
    pub mint_authority: Keypair,
}

/// A trader with wallets and an open trader account.
pub struct TraderSetup {
    pub owner: Keypair,
    pub base_wallet: Pubkey,
    pub quote_wallet: Pubkey,
    pub account: Pubkey,
}

impl TraderSetup {
    pub fn wallet(&self, token: TokenKind) -> Pubkey {
        match token {
            TokenKind::Base => self.base_wallet,
            TokenKind::Quote => self.quote_wallet,
        }
    }
}

/// Decimals of the base mint [`create_market`] makes.
pub const BASE_DECIMALS: u8 = 9;
/// Decimals of the quote mint [`create_market`] makes.
pub const QUOTE_DECIMALS: u8 = 6;

/// A market's two mints, the token program both belong to and the key that
/// mints both.
pub struct Mints {
    pub base: Pubkey,
    pub quote: Pubkey,
    pub token_program: Pubkey,
    pub authority: Keypair,
}

/// Create two SPL Token mints and a market on them; `payer` becomes the creator.
pub async fn create_market<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
    args: CreateMarketArgs,
    orders_per_side: u32,
    events: u32,
) -> Result<MarketSetup, ChainError> {
    let mints = create_mints(chain, payer).await?;
    create_market_on(chain, payer, args, mints, orders_per_side, events).await
}

/// Two new SPL Token mints (the standard decimals), one authority.
pub async fn create_mints<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
) -> Result<Mints, ChainError> {
    let token = ix::TOKEN_PROGRAM_ID;
    let mint_authority = Keypair::new();
    let (base, quote) = (Keypair::new(), Keypair::new());
    let rent = chain.minimum_balance(setup::MINT_LEN).await?;
    let mut ixs = setup::create_mint(
        &payer.pubkey(),
        &base.pubkey(),
        &mint_authority.pubkey(),
        &token,
        BASE_DECIMALS,
        rent,
    );
    ixs.extend(setup::create_mint(
        &payer.pubkey(),
        &quote.pubkey(),
        &mint_authority.pubkey(),
        &token,
        QUOTE_DECIMALS,
        rent,
    ));
    send(chain, payer, &ixs, &[&base, &quote]).await?;
    Ok(Mints {
        base: base.pubkey(),
        quote: quote.pubkey(),
        token_program: token,
        authority: mint_authority,
    })
}

/// Two new Token-2022 mints (the standard decimals) that carry their names
/// and symbols in the metadata extension, one authority minting both: what
/// wallets, the feed and the web app show instead of addresses.
pub async fn create_named_mints<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
    base: &setup::TokenName,
    quote: &setup::TokenName,
) -> Result<Mints, ChainError> {
    let authority = Keypair::new();
    let (base_mint, quote_mint) = (Keypair::new(), Keypair::new());
    for (mint, token, decimals) in [
        (&base_mint, base, BASE_DECIMALS),
        (&quote_mint, quote, QUOTE_DECIMALS),
    ] {
        let size = setup::mint_with_metadata_size(&mint.pubkey(), &authority.pubkey(), token);
        let rent = chain.minimum_balance(size).await?;
        let ixs = setup::create_mint_with_metadata(
            &payer.pubkey(),
            &mint.pubkey(),
            &authority.pubkey(),
            decimals,
            token,
            rent,
        );
        send(chain, payer, &ixs, &[mint, &authority]).await?;
    }
    Ok(Mints {
        base: base_mint.pubkey(),
        quote: quote_mint.pubkey(),
        token_program: ix::TOKEN_2022_PROGRAM_ID,
        authority,
    })
}

/// A market on existing `mints` (several markets may share them, and one
/// faucet then funds them all); `payer` becomes the creator.
pub async fn create_market_on<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
    args: CreateMarketArgs,
    mints: Mints,
    orders_per_side: u32,
    events: u32,
) -> Result<MarketSetup, ChainError> {
    let token = mints.token_program;
    let accts = [
        Keypair::new(),
        Keypair::new(),
        Keypair::new(),
        Keypair::new(),
    ];
    let keys = ix::new_market_keys(
        accts[0].pubkey(),
        accts[1].pubkey(),
        accts[2].pubkey(),
        accts[3].pubkey(),
        mints.base,
        mints.quote,
        token,
        token,
    );
    let (m, side, q) = ix::market_account_sizes(orders_per_side, events);
    let (rm, rs, rq) = (
        chain.minimum_balance(m).await?,
        chain.minimum_balance(side).await?,
        chain.minimum_balance(q).await?,
    );
    let (authority, fee_authority) = (Keypair::new(), Keypair::new());
    let mut ixs =
        ix::allocate_market_accounts(&payer.pubkey(), &keys, orders_per_side, events, |n| {
            if n == m {
                rm
            } else if n == side {
                rs
            } else {
                rq
            }
        });
    ixs.push(ix::create_market(
        &payer.pubkey(),
        &keys,
        CreateMarketArgs {
            authority: authority.pubkey(),
            fee_authority: fee_authority.pubkey(),
            ..args
        },
    ));
    let signers: Vec<&Keypair> = accts.iter().collect();
    send(chain, payer, &ixs, &signers).await?;
    Ok(MarketSetup {
        keys,
        authority,
        fee_authority,
        mint_authority: mints.authority,
    })
}

/// What a new trader starts with: SOL for fees, wallets holding
/// `base_atoms`/`quote_atoms`, and `deposit_pct`% of each deposited.
#[derive(Clone, Copy, Debug)]
pub struct Funding {
    pub lamports: u64,
    pub base_atoms: u64,
    pub quote_atoms: u64,
    pub deposit_pct: u64,
}

impl Funding {
    const ONE_SOL: u64 = 1_000_000_000;

    /// 1 SOL and `base_atoms` of base, all deposited: a trader who sells.
    pub fn seller(base_atoms: u64) -> Self {
        Self {
            lamports: Self::ONE_SOL,
            base_atoms,
            quote_atoms: 0,
            deposit_pct: 100,
        }
    }

    /// 1 SOL and `quote_atoms` of quote, all deposited: a trader who buys.
    pub fn buyer(quote_atoms: u64) -> Self {
        Self {
            lamports: Self::ONE_SOL,
            base_atoms: 0,
            quote_atoms,
            deposit_pct: 100,
        }
    }
}

/// A new owner funded as `funding` says, with a trader account on `m`.
pub async fn trader<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
    m: &MarketSetup,
    funding: Funding,
) -> Result<TraderSetup, ChainError> {
    let Funding {
        lamports,
        base_atoms: base,
        quote_atoms: quote,
        deposit_pct,
    } = funding;
    let k = m.keys;
    let owner = Keypair::new();
    let (bw, qw) = (Keypair::new(), Keypair::new());
    let rent = chain.minimum_balance(setup::TOKEN_ACCOUNT_LEN).await?;
    let mut ixs = vec![system_instruction::transfer(
        &payer.pubkey(),
        &owner.pubkey(),
        lamports,
    )];
    ixs.extend(setup::create_token_account(
        &payer.pubkey(),
        &bw.pubkey(),
        &k.base_mint,
        &owner.pubkey(),
        &k.base_token_program,
        rent,
    ));
    ixs.extend(setup::create_token_account(
        &payer.pubkey(),
        &qw.pubkey(),
        &k.quote_mint,
        &owner.pubkey(),
        &k.quote_token_program,
        rent,
    ));
    if base > 0 {
        ixs.push(setup::mint_to(
            &k.base_token_program,
            &k.base_mint,
            &bw.pubkey(),
            &m.mint_authority.pubkey(),
            base,
        ));
    }
    if quote > 0 {
        ixs.push(setup::mint_to(
            &k.quote_token_program,
            &k.quote_mint,
            &qw.pubkey(),
            &m.mint_authority.pubkey(),
            quote,
        ));
    }
    send(chain, payer, &ixs, &[&bw, &qw, &m.mint_authority]).await?;
    let mut ixs = vec![ix::open_trader_account(&owner.pubkey(), &k.market)];
    let (db, dq) = (base * deposit_pct / 100, quote * deposit_pct / 100);
    if db > 0 {
        ixs.push(ix::deposit(
            &owner.pubkey(),
            &k,
            TokenKind::Base,
            &bw.pubkey(),
            db,
        ));
    }
    if dq > 0 {
        ixs.push(ix::deposit(
            &owner.pubkey(),
            &k,
            TokenKind::Quote,
            &qw.pubkey(),
            dq,
        ));
    }
    send(chain, payer, &ixs, &[&owner]).await?;
    Ok(TraderSetup {
        account: pda::trader(&k.market, &owner.pubkey()),
        owner,
        base_wallet: bw.pubkey(),
        quote_wallet: qw.pubkey(),
    })
}
