//! Property tests for growing a book side and the event queue in place.
//!
//! The queue: random pushes, pops and growths against a `VecDeque` and the
//! ring position the engine keeps, so wrapped rings are common; after every
//! step the queue holds exactly the model's events with their sequence
//! numbers, and a refused growth changes nothing.
//!
//! A book side: random inserts, removals and growths against a sorted
//! `Vec`; after every step the side walks best-first as the model does, its
//! red-black and node-accounting invariants hold, and every order keeps the
//! node index it was given (growth moves nothing).
//!
//! The interleaving with matching, cancels and cranks is in `model.rs`.

use std::collections::VecDeque;

use orderbook_engine::book::{BookSide, OrderNode, book_side_size};
use orderbook_engine::event_queue::{EventQueue, QueueEvent, event_queue_size};
use orderbook_engine::layout::Growth;
use orderbook_engine::{BaseLots, EngineError, Side, Ticks};
use proptest::prelude::*;

/// Largest capacity growth may reach in these tests.
const MAX: u32 = 64;

#[derive(Clone, Debug)]
enum QueueOp {
    Push,
    Pop,
    Grow(u32),
}

fn queue_op() -> impl Strategy<Value = QueueOp> {
    prop_oneof![
        4 => Just(QueueOp::Push),
        3 => Just(QueueOp::Pop),
        1 => prop_oneof![4 => 0u32..4, 1 => 0u32..80].prop_map(QueueOp::Grow),
    ]
}

/// Extend `mem` by `additional` zeroed events, as a resize does, then grow;
/// a refusal is undone, as a failed instruction is.
fn grow_queue(mem: &mut Vec<u64>, additional: u32) -> Result<Growth, EngineError> {
    let before = mem.clone();
    mem.resize(mem.len() + additional as usize * 8, 0);
    let grown = EventQueue::grow(bytemuck::cast_slice_mut(mem), MAX);
    if grown.is_err() {
        assert_eq!(
            &mem[..before.len()],
            &before[..],
            "a refused growth wrote to the queue"
        );
        *mem = before;
    }
    grown
}

proptest! {
    #[test]
    fn a_grown_queue_keeps_its_events_in_order(
        capacity in 1u32..12,
        ops in prop::collection::vec(queue_op(), 1..200),
    ) {
        let mut mem = vec![0u64; event_queue_size(capacity) / 8];
        EventQueue::init(bytemuck::cast_slice_mut(&mut mem)).unwrap();
        let (mut model, mut head, mut cap, mut next) = (VecDeque::new(), 0usize, capacity as usize, 0u64);
        for op in ops {
            match op {
                QueueOp::Push => {
                    let mut q = EventQueue::load(bytemuck::cast_slice_mut(&mut mem)).unwrap();
                    let ev = QueueEvent { maker_order_seq: next * 7 + 1, ..QueueEvent::default() };
                    if model.len() < cap {
                        prop_assert_eq!(q.push(ev), Ok(next));
                        model.push_back(QueueEvent { seq: next, ..ev });
                        next += 1;
                    } else {
                        prop_assert_eq!(q.push(ev), Err(EngineError::EventQueueFull));
                    }
                }
                QueueOp::Pop => {
                    let mut q = EventQueue::load(bytemuck::cast_slice_mut(&mut mem)).unwrap();
                    match model.pop_front() {
                        Some(ev) => {
                            prop_assert_eq!(q.pop_front(), Ok(ev));
                            head = (head + 1) % cap;
                        }
                        None => prop_assert_eq!(q.pop_front(), Err(EngineError::EventQueueEmpty)),
                    }
                }
                QueueOp::Grow(additional) => {
                    let wraps_by = (head + model.len()).saturating_sub(cap);
                    let want = if cap + additional as usize > MAX as usize {
                        Err(EngineError::InvalidGrowth)
                    } else if wraps_by > additional as usize {
                        Err(EngineError::EventQueueWrapped)
                    } else {
                        let old = cap as u32;
                        cap += additional as usize;
                        Ok(Growth { old_capacity: old, new_capacity: cap as u32 })
                    };
                    prop_assert_eq!(grow_queue(&mut mem, additional), want);
                }
            }
            let q = EventQueue::load(bytemuck::cast_slice_mut(&mut mem)).unwrap();
            prop_assert_eq!(q.header.capacity as usize, cap);
            prop_assert_eq!(q.header.head as usize, head);
            prop_assert_eq!(q.iter().copied().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(q.header.next_seq, next);
        }
    }
}

/// A wrapped ring grows only when the added room takes the events at its
/// start; they move there, in order, and the ring goes on from its end.
#[test]
fn a_wrapped_queue_moves_its_start_into_the_new_room() {
    let mut mem = vec![0u64; event_queue_size(4) / 8];
    let mut q = EventQueue::init(bytemuck::cast_slice_mut(&mut mem)).unwrap();
    for _ in 0..4 {
        q.push(QueueEvent::default()).unwrap();
    }
    q.pop_front().unwrap();
    q.pop_front().unwrap();
    q.push(QueueEvent::default()).unwrap();
    q.push(QueueEvent::default()).unwrap();
    // Ring [4 5 2 3], head 2: two events wrapped to the start.
    assert_eq!(grow_queue(&mut mem, 1), Err(EngineError::EventQueueWrapped));
    assert_eq!(
        grow_queue(&mut mem, 2),
        Ok(Growth {
            old_capacity: 4,
            new_capacity: 6
        })
    );
    let mut q = EventQueue::load(bytemuck::cast_slice_mut(&mut mem)).unwrap();
    assert_eq!(q.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3, 4, 5]);
    assert_eq!(q.free(), 2);
    q.push(QueueEvent::default()).unwrap();
    q.push(QueueEvent::default()).unwrap();
    assert_eq!(
        q.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [2, 3, 4, 5, 6, 7]
    );
    assert_eq!(grow_queue(&mut mem, MAX), Err(EngineError::InvalidGrowth));
}

#[derive(Clone, Debug)]
enum BookOp {
    Insert(u64),
    Remove(usize),
    Grow(u32),
}

fn book_op() -> impl Strategy<Value = BookOp> {
    prop_oneof![
        4 => (1u64..20).prop_map(BookOp::Insert),
        2 => any::<usize>().prop_map(BookOp::Remove),
        1 => prop_oneof![4 => 0u32..4, 1 => 0u32..80].prop_map(BookOp::Grow),
    ]
}

fn grow_side(mem: &mut Vec<u64>, additional: u32) -> Result<Growth, EngineError> {
    let before = mem.len();
    mem.resize(before + additional as usize * 8, 0);
    let grown = BookSide::grow(bytemuck::cast_slice_mut(mem), MAX);
    if grown.is_err() {
        mem.truncate(before);
    }
    grown
}

proptest! {
    #[test]
    fn a_grown_side_keeps_every_order_where_it_was(
        bid in any::<bool>(),
        capacity in 1u32..10,
        ops in prop::collection::vec(book_op(), 1..200),
    ) {
        let side = if bid { Side::Bid } else { Side::Ask };
        let mut mem = vec![0u64; book_side_size(capacity) / 8];
        BookSide::init(bytemuck::cast_slice_mut(&mut mem), side).unwrap();
        // (price, seq, node index), best first.
        let mut model: Vec<(u64, u64, u32)> = Vec::new();
        let (mut cap, mut seq) = (capacity, 0u64);
        for op in ops {
            match op {
                BookOp::Insert(price) => {
                    let mut book = BookSide::load(bytemuck::cast_slice_mut(&mut mem)).unwrap();
                    seq += 1;
                    let order = OrderNode { price: Ticks(price), seq, base_lots: BaseLots(1), trader_id: 1, ..OrderNode::default() };
                    if model.len() < cap as usize {
                        let node = book.insert(order).unwrap();
                        model.push((price, seq, node));
                        model.sort_by_key(|&(p, s, _)| (if bid { u64::MAX - p } else { p }, s));
                    } else {
                        prop_assert_eq!(book.insert(order), Err(EngineError::BookFull));
                    }
                }
                BookOp::Remove(pick) if !model.is_empty() => {
                    let (_, _, node) = model.remove(pick % model.len());
                    let mut book = BookSide::load(bytemuck::cast_slice_mut(&mut mem)).unwrap();
                    book.remove(node).unwrap();
                }
                BookOp::Remove(_) => {}
                BookOp::Grow(additional) => {
                    let want = if cap + additional > MAX {
                        Err(EngineError::InvalidGrowth)
                    } else {
                        let old = cap;
                        cap += additional;
                        Ok(Growth { old_capacity: old, new_capacity: cap })
                    };
                    prop_assert_eq!(grow_side(&mut mem, additional), want);
                }
            }
            let book = BookSide::load(bytemuck::cast_slice_mut(&mut mem)).unwrap();
            prop_assert_eq!(book.capacity(), cap);
            book.check_invariants().map_err(TestCaseError::fail)?;
            let walked: Vec<(u64, u64, u32)> = book.iter().map(|(i, n)| (n.price.0, n.seq, i)).collect();
            prop_assert_eq!(walked, model.clone());
        }
    }
}

/// Growth checks what it is given: new nodes must be zero, and a side
/// cannot shrink.
#[test]
fn a_side_grows_only_into_zeroed_nodes_and_never_shrinks() {
    let mut mem = vec![0u64; book_side_size(2) / 8];
    BookSide::init(bytemuck::cast_slice_mut(&mut mem), Side::Ask).unwrap();
    mem.resize(mem.len() + 8, 0);
    let last = mem.len() - 1;
    mem[last] = 1;
    assert_eq!(
        BookSide::grow(bytemuck::cast_slice_mut(&mut mem), MAX),
        Err(EngineError::InvalidAccountData)
    );
    mem[last] = 0;
    assert_eq!(
        BookSide::grow(bytemuck::cast_slice_mut(&mut mem), MAX),
        Ok(Growth {
            old_capacity: 2,
            new_capacity: 3
        })
    );
    mem.truncate(mem.len() - 8);
    assert_eq!(
        BookSide::grow(bytemuck::cast_slice_mut(&mut mem), MAX),
        Err(EngineError::InvalidGrowth)
    );
}
