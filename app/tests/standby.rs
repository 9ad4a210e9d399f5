//! Leadership of a market's indexing (`orderbook_app::standby`) against the
//! real PostgreSQL: one session leads, a second blocks until the first
//! ends, markets are independent, and `leader_pid` names the leader.

mod common;

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use orderbook_app::db;
use orderbook_app::standby;
use tokio::sync::watch;

async fn backend_pid(client: &tokio_postgres::Client) -> i32 {
    client
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_standby_takes_the_lead_when_the_leader_session_ends() {
    let (sdb, check) = common::scratch_db("orderbook_standby").await;
    let (_stop, mut shutdown) = watch::channel(false);
    // Keys whose bits are negative as i32 and positive, both.
    for market in [
        Pubkey::new_from_array([0xff; 32]),
        Pubkey::new_from_array([1; 32]),
    ] {
        let leader = db::connect(&sdb.url).await.unwrap();
        assert!(
            standby::acquire(&leader, &market, &mut shutdown)
                .await
                .unwrap()
        );
        assert_eq!(
            standby::leader_pid(&check, &market).await.unwrap(),
            Some(backend_pid(&leader).await)
        );
        // Another market is free meanwhile.
        let other = Pubkey::new_unique();
        let free = db::connect(&sdb.url).await.unwrap();
        assert!(
            standby::acquire(&free, &other, &mut shutdown)
                .await
                .unwrap()
        );

        let url = sdb.url.clone();
        let mut waiting = shutdown.clone();
        let standby_task =
            tokio::spawn(async move { standby::lead(&url, &market, &mut waiting).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !standby_task.is_finished(),
            "the standby waits while the leader lives"
        );
        drop(leader); // its session ends, as when the process is killed
        let standby = tokio::time::timeout(common::STATE_DEADLINE, standby_task)
            .await
            .expect("the standby leads once the leader is gone")
            .unwrap()
            .expect("a leading connection");
        let pid = backend_pid(&standby).await;
        assert_eq!(
            standby::leader_pid(&check, &market).await.unwrap(),
            Some(pid)
        );
    }
    sdb.drop(check).await;
}

/// Finding N5: the lock key was a market's first 4 bytes, so a market made
/// to share them kept the other's indexer standing by forever.
#[tokio::test]
async fn markets_that_share_their_first_bytes_lead_independently() {
    let (sdb, check) = common::scratch_db("orderbook_standby_prefix").await;
    let (_stop, mut shutdown) = watch::channel(false);
    let mut twin = [7u8; 32];
    let first = Pubkey::new_from_array(twin);
    twin[4..].fill(9);
    let second = Pubkey::new_from_array(twin);
    let a = db::connect(&sdb.url).await.unwrap();
    assert!(standby::acquire(&a, &first, &mut shutdown).await.unwrap());
    let b = db::connect(&sdb.url).await.unwrap();
    let led = tokio::time::timeout(
        common::STATE_DEADLINE,
        standby::acquire(&b, &second, &mut shutdown),
    )
    .await
    .expect("the second market's indexer leads rather than standing by");
    assert!(led.unwrap());
    assert_eq!(
        standby::leader_pid(&check, &second).await.unwrap(),
        Some(backend_pid(&b).await)
    );
    assert_eq!(
        standby::leader_pid(&check, &first).await.unwrap(),
        Some(backend_pid(&a).await)
    );
    drop((a, b));
    sdb.drop(check).await;
}

#[tokio::test]
async fn a_standby_gives_up_waiting_on_shutdown() {
    let (sdb, check) = common::scratch_db("orderbook_standby_stop").await;
    let market = Pubkey::new_unique();
    let (stop, mut shutdown) = watch::channel(false);
    let leader = db::connect(&sdb.url).await.unwrap();
    assert!(
        standby::acquire(&leader, &market, &mut shutdown)
            .await
            .unwrap()
    );
    let url = sdb.url.clone();
    let waiting = tokio::spawn(async move { standby::lead(&url, &market, &mut shutdown).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(true).unwrap();
    let led = tokio::time::timeout(common::STATE_DEADLINE, waiting)
        .await
        .unwrap()
        .unwrap();
    assert!(led.is_none(), "shut down while standing by: no leadership");
    drop(leader);
    sdb.drop(check).await;
}
