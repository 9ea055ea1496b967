//! Links issued for one account at the same moment (two desks, or a desk
//! and a double-click), on every database: each sees the others, so one
//! link is left live and the hourly limit holds exactly.

mod common;

use avain::domain::link::{LinkPurpose, LinkState};
use avain::service::ServiceError;
use common::*;

#[tokio::test]
async fn links_sent_at_once_leave_one_live_and_keep_the_limit() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let aino = id_of(h, "2900100001").await;
        // The test organisation allows 3 links an hour; 8 desks press at once.
        let sends = (0..8).map(|_| {
            h.services
                .send_link(&h.desk_library, aino, Some(LinkPurpose::Reset))
        });
        let results = futures_util::future::join_all(sends).await;
        let sent = results.iter().filter(|r| r.is_ok()).count();
        let limited = results
            .iter()
            .filter(|r| matches!(r, Err(ServiceError::RateLimited { .. })))
            .count();
        assert_eq!((sent, limited), (3, 5), "{}: {results:?}", h.backend);
        let detail = h.services.account_detail(&h.admin, aino).await.unwrap();
        let live = detail
            .links
            .iter()
            .filter(|l| matches!(l.state, LinkState::Active { .. }))
            .count();
        assert_eq!(live, 1, "{}: one link left live", h.backend);
        assert_eq!(detail.links.len(), 3, "{}", h.backend);
    })
    .await;
}
