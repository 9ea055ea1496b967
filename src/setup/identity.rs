//! Who is at the keyboard: the Unix login (under the documented sudo
//! wrapper, the login sudo ran avain for) or a staff password.

use super::{Failure, Invocation, secret_input};
use crate::config::{AuthConfig, AuthMode};
use crate::service::{Services, Staff};

/// The staff member's Unix login. Under the documented sudo wrapper
/// (`sudo -u SERVICE_USER avain`, with `[auth] service_user` set) it is the
/// login sudo ran avain for; otherwise the login of the process's real
/// user id. `SUDO_USER` alone proves nothing (anyone can set it), so it is
/// believed only when the process really runs as the service user and
/// sudo's `SUDO_UID` names that same login.
pub fn os_login(auth: &AuthConfig) -> Result<String, Failure> {
    let uid = nix::unistd::getuid().as_raw();
    let service_uid = match &auth.service_user {
        Some(name) => match nix::unistd::User::from_name(name) {
            Ok(Some(user)) => Some(user.uid.as_raw()),
            _ => {
                return Err(Failure::bad_input(format!(
                    "auth.service_user: there is no user {name:?} on this machine"
                )));
            }
        },
        None => None,
    };
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let sudo_uid = env("SUDO_UID").and_then(|u| u.parse::<u32>().ok());
    choose_login(
        uid,
        service_uid,
        env("SUDO_USER").as_deref(),
        sudo_uid,
        |id| {
            nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(id))
                .ok()
                .flatten()
                .map(|u| u.name)
        },
    )
    .map_err(Failure::bad_input)
}

/// The rule of `os_login`, apart from the system calls.
fn choose_login(
    uid: u32,
    service_uid: Option<u32>,
    sudo_user: Option<&str>,
    sudo_uid: Option<u32>,
    name_of: impl Fn(u32) -> Option<String>,
) -> Result<String, String> {
    if let (Some(service), Some(user), Some(from)) = (service_uid, sudo_user, sudo_uid)
        && uid == service
        && from != uid
        && name_of(from).as_deref() == Some(user)
    {
        return Ok(user.to_string());
    }
    name_of(uid).ok_or_else(|| format!("cannot find the login name of uid {uid}"))
}

/// Identifies the staff member running this command.
pub async fn identify(inv: &Invocation, services: &Services) -> Result<Staff, Failure> {
    match services.config.auth.mode {
        AuthMode::OsUser => {
            let login = os_login(&services.config.auth)?;
            Ok(services.identify_os_user(&login).await?)
        }
        AuthMode::Password => {
            let Some(login) = &inv.staff else {
                return Err(Failure::bad_input(
                    "auth.mode is \"password\": pass --staff LOGIN",
                ));
            };
            let password = secret_input::read_one(&format!("Password for {login}: "))?;
            Ok(services.identify_password(login, password).await?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::choose_login;

    fn names(id: u32) -> Option<String> {
        match id {
            0 => Some("root".into()),
            998 => Some("avain".into()),
            1001 => Some("maija".into()),
            1002 => Some("pekka".into()),
            _ => None,
        }
    }

    #[test]
    fn sudo_user_is_believed_only_under_the_service_user() {
        // Through `sudo -u avain`: the desk user sudo ran it for.
        assert_eq!(
            choose_login(998, Some(998), Some("maija"), Some(1001), names).unwrap(),
            "maija"
        );
        // Run directly by a desk user who sets SUDO_USER=root: themselves.
        assert_eq!(
            choose_login(1002, Some(998), Some("root"), Some(0), names).unwrap(),
            "pekka"
        );
        // No service user configured: the real uid, whatever the variables say.
        assert_eq!(
            choose_login(998, None, Some("maija"), Some(1001), names).unwrap(),
            "avain"
        );
        // Variables that do not agree with each other are not sudo's.
        assert_eq!(
            choose_login(998, Some(998), Some("root"), Some(1001), names).unwrap(),
            "avain"
        );
        // SUDO_UID naming the service user itself is no hand-over.
        assert_eq!(
            choose_login(998, Some(998), Some("avain"), Some(998), names).unwrap(),
            "avain"
        );
        assert!(choose_login(4242, None, None, None, names).is_err());
    }
}
