"""A trader's round trip on the local exchange from Python, with anchorpy3 and solders.

Every step a Python trading client takes: fund a wallet from the node's faucet
(airdrop) and from the demo's test-token mint authority, open a trader account,
deposit, place a post-only bid, watch its logs arrive over a `logsSubscribe`
socket, decode the program's events from the transaction, read the Market and
the Trader account, cancel, withdraw, and check the tokens came back.

It reads the program's interface from the IDL (`idl/orderbook.json`): the
instructions, the PDA seeds of their accounts, the account and event layouts.
Nothing about the program is typed again here.

Run it while `scripts/run.sh` runs (scripts/test.sh does, in CI):

    python3 -m venv .venv && .venv/bin/pip install -r examples/python/requirements.txt
    .venv/bin/python examples/python/trade.py

Environment (defaults): ORDERBOOK_RPC_URL (http://127.0.0.1:8899; PubSub at the
next port, as a validator serves it), ORDERBOOK_MINT_AUTHORITY (run.sh's
~/.local/share/orderbook-local/mint-authority.json), ORDERBOOK_MARKET (the market
in run.sh's state directory, `market`).
"""

import asyncio
import io
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

import based58
from anchorpy import Context, Idl, Program, Provider, Wallet
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.websocket_api import connect
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.config import RpcTransactionLogsFilterMentions
from solders.signature import Signature
from solders.transaction import Transaction
from solders.transaction_status import TransactionConfirmationStatus
from spl.token.instructions import (
    MintToParams,
    create_idempotent_associated_token_account,
    get_associated_token_address,
    mint_to,
)

REPO = Path(__file__).resolve().parents[2]
IDL_JSON = (REPO / "idl" / "orderbook.json").read_text()
STATE = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "orderbook-local"
RPC_URL = os.environ.get("ORDERBOOK_RPC_URL", "http://127.0.0.1:8899")
MINT_AUTHORITY = Path(os.environ.get("ORDERBOOK_MINT_AUTHORITY", STATE / "mint-authority.json"))
MARKET_FILE = STATE / "market"
LAMPORTS_PER_SOL = 1_000_000_000
#: Quote atoms the wallet mints itself and deposits.
QUOTE_ATOMS = 1_000_000_000
#: How long to wait for a confirmation or a notification before failing.
DEADLINE_SECS = 60
#: Anchor's EVENT_IX_TAG, little-endian: the first 8 bytes of an event self-CPI.
EVENT_IX_TAG = bytes.fromhex("e445a52e51cb9a1d")


def step(text: str) -> None:
    print(f"python: {text}", flush=True)


def ws_url(rpc_url: str) -> str:
    """PubSub at the RPC port + 1, as a validator (and orderbook-node by default) serves it."""
    url = urlparse(rpc_url)
    return f"ws://{url.hostname}:{url.port + 1}"


def pda_accounts(idl: dict, instruction: str, given: dict[str, Pubkey]) -> dict[str, Pubkey]:
    """`given` plus every PDA and fixed address the IDL declares for `instruction`."""
    program_id = Pubkey.from_string(idl["address"])
    accounts = dict(given)
    spec = next(i for i in idl["instructions"] if i["name"] == instruction)
    for account in spec["accounts"]:
        if "address" in account:
            accounts.setdefault(account["name"], Pubkey.from_string(account["address"]))
        elif "pda" in account:
            seeds = [
                bytes(seed["value"]) if seed["kind"] == "const" else bytes(accounts[seed["path"]])
                for seed in account["pda"]["seeds"]
            ]
            accounts[account["name"]] = Pubkey.find_program_address(seeds, program_id)[0]
    return accounts


async def confirmed(client: AsyncClient, signature: Signature) -> None:
    """Wait (bounded) until `signature` is confirmed; raise if it failed."""
    for _ in range(DEADLINE_SECS * 10):
        status = (await client.get_signature_statuses([signature])).value[0]
        if status is not None and status.confirmation_status in (
            TransactionConfirmationStatus.Confirmed,
            TransactionConfirmationStatus.Finalized,
        ):
            if status.err is not None:
                raise RuntimeError(f"{signature} failed: {status.err}")
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{signature} not confirmed within {DEADLINE_SECS} s")


async def send(client: AsyncClient, instructions, signers: list[Keypair]) -> Signature:
    """Instructions in one transaction, paid by the first signer; returns once confirmed."""
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    message = Message.new_with_blockhash(instructions, signers[0].pubkey(), blockhash)
    signature = (await client.send_raw_transaction(bytes(Transaction(signers, message, blockhash)))).value
    await confirmed(client, signature)
    return signature


async def events_of(program: Program, signature: Signature) -> list:
    """The program's events of a transaction: each instruction emits them as one
    self-CPI whose data is Anchor's event tag and then the events back to back."""
    tx = await program.provider.connection.get_transaction(
        signature, encoding="json", commitment=Confirmed, max_supported_transaction_version=0
    )
    meta = tx.value.transaction.meta
    keys = tx.value.transaction.transaction.message.account_keys
    events = []
    for group in meta.inner_instructions or []:
        for ix in group.instructions:
            data = based58.b58decode(ix.data.encode())
            if keys[ix.program_id_index] != program.program_id or not data.startswith(EVENT_IX_TAG):
                continue
            stream = io.BytesIO(data[len(EVENT_IX_TAG):])
            while stream.tell() < len(data) - len(EVENT_IX_TAG):
                events.append(program.coder.events.parse_stream(stream))
    return events


async def main() -> None:
    idl_dict = json.loads(IDL_JSON)
    client = AsyncClient(RPC_URL, commitment=Confirmed)
    wallet = Keypair()
    program = Program(Idl.from_json(IDL_JSON), Pubkey.from_string(idl_dict["address"]), Provider(client, Wallet(wallet)))
    market_address = Pubkey.from_string(os.environ.get("ORDERBOOK_MARKET") or MARKET_FILE.read_text().strip())
    owner = wallet.pubkey()

    await confirmed(client, (await client.request_airdrop(owner, LAMPORTS_PER_SOL)).value)
    step(f"wallet {owner} funded with 1 SOL by the node's faucet")

    market = await program.account["Market"].fetch(market_address)
    header = market.engine  # the engine's MarketHeader, typed in the IDL
    step(f"market {market_address}: lots of {header.base_lot_size} base / {header.quote_lot_size} quote atoms, "
         f"tick {header.tick_size}, taker fee {header.taker_fee_ppm} ppm, status {type(header.status).__name__}")

    # Test tokens: the demo's mint authority mints quote into the wallet's associated account.
    authority = Keypair.from_bytes(json.loads(MINT_AUTHORITY.read_text()))
    quote_wallet = get_associated_token_address(owner, market.quote_mint, market.quote_token_program)
    await send(client, [
        create_idempotent_associated_token_account(owner, owner, market.quote_mint, market.quote_token_program),
        mint_to(MintToParams(program_id=market.quote_token_program, mint=market.quote_mint, dest=quote_wallet,
                             mint_authority=authority.pubkey(), amount=QUOTE_ATOMS)),
    ], [wallet, authority])
    step(f"minted {QUOTE_ATOMS} quote atoms")

    base = {"owner": owner, "market": market_address}
    await program.rpc["open_trader_account"](ctx=Context(accounts=pda_accounts(idl_dict, "open_trader_account", base)))
    quote = {"mint": market.quote_mint, "wallet": quote_wallet, "vault": market.quote_vault,
             "token_program": market.quote_token_program}
    await program.rpc["deposit"](QUOTE_ATOMS, ctx=Context(accounts=pda_accounts(idl_dict, "deposit", {**base, **quote})))
    step("opened a trader account and deposited")

    # Subscribe to the program's logs before placing: the placement's arrive over the socket.
    async with connect(ws_url(RPC_URL)) as socket:
        await socket.logs_subscribe(RpcTransactionLogsFilterMentions(program.program_id), commitment=Confirmed)
        await asyncio.wait_for(socket.recv(), DEADLINE_SECS)  # the subscription's id
        book = {"bids": market.bids, "asks": market.asks, "event_queue": market.event_queue}
        args = program.type["PlaceOrderArgs"](
            side=program.type["Side"].Bid(), order_type=program.type["OrderType"].PostOnly(),
            self_trade=program.type["SelfTradeMode"].DecrementTake(), price=1, max_base_lots=1,
            max_quote=2**64 - 1, client_order_id=42, expiry=0, match_limit=16,
        )
        placed = await program.rpc["place_order"](
            args, ctx=Context(accounts=pda_accounts(idl_dict, "place_order", {**base, **book, **quote})))
        step(f"placed a post-only bid of 1 lot at 1 tick: {placed}")
        logs = await _logs_of(socket, placed)
    assert "Program log: Instruction: PlaceOrder" in logs, logs
    step(f"its logs over logsSubscribe: {logs[:2]}")

    events = await events_of(program, placed)
    names = [e.name for e in events]
    assert "OrderPlaced" in names, names
    posted = next(e for e in events if e.name == "OrderPlaced")
    step(f"its events: {names}; order {posted.data.order_id}")

    trader_address = pda_accounts(idl_dict, "deposit", {**base, **quote})["trader"]
    trader = await program.account["TraderAccount"].fetch(trader_address)
    state = trader.state  # the engine's TraderState, typed in the IDL
    step(f"trader: free quote {state.balances.free_quote}, locked quote {state.balances.locked_quote}")

    await program.rpc["cancel_all"](None, 16, ctx=Context(
        accounts=pda_accounts(idl_dict, "cancel_all", {**base, "bids": market.bids, "asks": market.asks})))
    state = (await program.account["TraderAccount"].fetch(trader_address)).state
    assert state.balances.locked_quote == 0, state.balances
    await program.rpc["withdraw"](state.balances.free_quote, ctx=Context(
        accounts=pda_accounts(idl_dict, "withdraw", {**base, **quote})))
    held = int((await client.get_token_account_balance(quote_wallet)).value.amount)
    assert held == QUOTE_ATOMS, held
    step(f"cancelled and withdrew: the wallet holds its {held} quote atoms again")
    await client.close()


async def _logs_of(socket, signature: Signature) -> list[str]:
    """The log lines of `signature` from the logs subscription (bounded)."""
    async def wait():
        while True:
            for message in await socket.recv():
                value = message.result.value
                if value.signature == signature:
                    return list(value.logs)
    return await asyncio.wait_for(wait(), DEADLINE_SECS)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as error:  # a plain sentence for the user, the traceback for CI's log
        print(f"python: failed: {error!r}", file=sys.stderr)
        raise
