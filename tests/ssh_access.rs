//! Who may come in through the SSH door, on every configured database:
//! keys added, listed and removed by an admin only; the login check;
//! sessions recorded, renewed, ended when their staff member is disabled
//! or their key removed, and listed only while alive.

mod common;

use avain::service::{ServiceError, SshOrigin, SshRefusal, StaffKey};
use common::{Harness, on_every_backend};

fn key(n: u8) -> StaffKey {
    StaffKey {
        fingerprint: format!("SHA256:test-key-{n}"),
        public_key: format!("ssh-ed25519 AAAAkey{n}"),
        comment: Some(format!("desk{n}\u{1b}[31m")),
    }
}

#[tokio::test]
async fn keys_logins_and_sessions() {
    on_every_backend(async |h: &Harness| {
        let s = &h.services;
        // Only an admin manages keys.
        let refused = s.add_staff_key(&h.desk_library, "lib", &key(1)).await;
        assert!(
            matches!(refused, Err(ServiceError::Forbidden(_))),
            "{}",
            h.backend
        );
        s.add_staff_key(&h.admin, "lib", &key(1)).await.unwrap();
        assert!(matches!(
            s.add_staff_key(&h.admin, "lib", &key(1)).await,
            Err(ServiceError::Refused(_))
        ));
        let keys = s.staff_keys(&h.admin, "lib").await.unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].algorithm, "ssh-ed25519");
        // The comment is shown, never its control characters.
        assert!(!keys[0].comment.as_deref().unwrap().contains('\u{1b}'));

        // The login check.
        let ok = s
            .ssh_login("lib", "SHA256:test-key-1", "192.0.2.1")
            .await
            .unwrap();
        assert_eq!(ok.unwrap().login, "lib", "{}", h.backend);
        let wrong = s
            .ssh_login("lib", "SHA256:test-key-2", "192.0.2.1")
            .await
            .unwrap();
        assert_eq!(wrong.unwrap_err(), SshRefusal::UnknownKey);
        let nobody = s
            .ssh_login("nobody", "SHA256:test-key-1", "192.0.2.1")
            .await
            .unwrap();
        assert_eq!(nobody.unwrap_err(), SshRefusal::UnknownLogin);

        // A session lives while its staff member and key do.
        let staff = s.identify_os_user("lib").await.unwrap();
        let origin = SshOrigin {
            fingerprint: "SHA256:test-key-1",
            client: "192.0.2.1",
            term: "xterm-256color",
            owner: "test",
        };
        let id = s.open_ssh_session(&staff, &origin).await.unwrap();
        assert!(s.ssh_session_allowed(id).await.unwrap());
        assert_eq!(s.ssh_sessions(&h.admin).await.unwrap().len(), 1);
        s.remove_staff_key(&h.admin, "lib", "SHA256:test-key-1")
            .await
            .unwrap();
        assert!(!s.ssh_session_allowed(id).await.unwrap(), "{}", h.backend);
        s.end_ssh_session(id, "ended").await.unwrap();
        assert!(s.ssh_sessions(&h.admin).await.unwrap().is_empty());

        // Disabled staff: refused at login, and an open session must end.
        s.add_staff_key(&h.admin, "lib", &key(3)).await.unwrap();
        let origin = SshOrigin {
            fingerprint: "SHA256:test-key-3",
            ..origin
        };
        let id = s.open_ssh_session(&staff, &origin).await.unwrap();
        s.disable_staff(&h.admin, "lib").await.unwrap();
        assert!(!s.ssh_session_allowed(id).await.unwrap());
        let disabled = s
            .ssh_login("lib", "SHA256:test-key-3", "192.0.2.1")
            .await
            .unwrap();
        assert_eq!(disabled.unwrap_err(), SshRefusal::Disabled);

        // A session its server stopped renewing is not listed as open.
        let town = s.identify_os_user("town").await.unwrap();
        s.add_staff_key(&h.admin, "town", &key(4)).await.unwrap();
        let town_origin = SshOrigin {
            fingerprint: "SHA256:test-key-4",
            ..origin
        };
        let town_id = s.open_ssh_session(&town, &town_origin).await.unwrap();
        assert_eq!(s.ssh_sessions(&h.admin).await.unwrap().len(), 2);
        h.clock.advance_ms(avain::service::SESSION_STALE_MS + 1);
        assert!(s.ssh_sessions(&h.admin).await.unwrap().is_empty());
        // All open sessions are renewed in one round: the live one is seen
        // again, the disabled one's comes back to be ended.
        let withdrawn = s.ssh_sessions_withdrawn(&[town_id, id]).await.unwrap();
        assert_eq!(withdrawn, vec![id], "{}", h.backend);
        let listed = s.ssh_sessions(&h.admin).await.unwrap();
        assert_eq!(listed.len(), 1, "{}", h.backend);
        assert_eq!(listed[0].login, "town");
        // Every step is in the audit.
        let actions: Vec<String> = s
            .audit_list(&h.admin, None, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
        for a in [
            "staff.key_add",
            "staff.key_remove",
            "ssh.login",
            "ssh.refused",
            "ssh.logout",
        ] {
            assert!(actions.contains(&a.to_string()), "{a}: {actions:?}");
        }
    })
    .await;
}
