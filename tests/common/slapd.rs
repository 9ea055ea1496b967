//! A private OpenLDAP server for the connector tests: Debian's `slapd`
//! on a loopback port with a temporary configuration (an mdb database,
//! the password policy overlay, a service account allowed to change
//! passwords, mail and locks) and synthetic patrons loaded with `slapadd`.
//! Without slapd installed the tests say they skip (and fail under
//! `AVAIN_TEST_REQUIRE_ALL=1`). A system slapd is never used.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BASE: &str = "dc=example,dc=org";
pub const PEOPLE: &str = "ou=people,dc=example,dc=org";
pub const SERVICE_DN: &str = "cn=avain,dc=example,dc=org";
pub const SERVICE_PASSWORD: &str = "service-secret-4711";
const ROOT_DN: &str = "cn=root,dc=example,dc=org";
const ROOT_PASSWORD: &str = "root-secret-0815";

/// A synthetic patron: `uid=p{n}`, card `29{n:08}`, PIN `1357` to start.
pub fn uid(n: usize) -> String {
    format!("p{n}")
}
pub fn card(n: usize) -> String {
    format!("29{n:08}")
}
pub fn email(n: usize) -> String {
    format!("patron{n}@example.org")
}
pub fn dn(n: usize) -> String {
    format!("uid={},{PEOPLE}", uid(n))
}
pub const FIRST_PIN: &str = "1357";

pub struct Slapd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Option<Child>,
}

fn binary() -> Option<PathBuf> {
    ["/usr/sbin/slapd", "/usr/local/libexec/slapd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

pub use super::skip;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `pwdMinLength` of the default policy: a 4-digit PIN passes, 3 do not.
pub const POLICY_MIN_LENGTH: u32 = 4;
/// Failed binds before the policy locks an entry.
pub const POLICY_MAX_FAILURE: u32 = 3;

fn config(dir: &Path) -> String {
    format!(
        r#"include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {dir}/slapd.pid
sizelimit unlimited
database mdb
suffix "{BASE}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {dir}/db
maxsize 1073741824
index objectClass eq
index entryUUID eq
index uid,mail,employeeNumber eq
index modifyTimestamp eq
overlay ppolicy
ppolicy_default "cn=default,ou=policies,{BASE}"
ppolicy_use_lockout
password-hash {{SSHA}}
limits dn.exact="{SERVICE_DN}" size=unlimited time=unlimited
access to attrs=userPassword,pwdAccountLockedTime
  by dn.exact="{SERVICE_DN}" write
  by self write
  by anonymous auth
  by * none
access to attrs=mail
  by dn.exact="{SERVICE_DN}" write
  by * read
access to *
  by * read
"#,
        dir = dir.display()
    )
}

fn base_ldif() -> String {
    format!(
        "dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n\
dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n\n\
dn: ou=policies,{BASE}\nobjectClass: organizationalUnit\nou: policies\n\n\
dn: cn=default,ou=policies,{BASE}\nobjectClass: pwdPolicy\nobjectClass: device\ncn: default\n\
pwdAttribute: userPassword\npwdMinLength: {POLICY_MIN_LENGTH}\npwdCheckQuality: 2\npwdInHistory: 3\n\
pwdMaxFailure: {POLICY_MAX_FAILURE}\npwdLockout: TRUE\n\n\
dn: {SERVICE_DN}\nobjectClass: simpleSecurityObject\nobjectClass: organizationalRole\ncn: avain\n\
userPassword: {SERVICE_PASSWORD}\n\n"
    )
}

/// The LDIF of patrons `from..to`.
pub fn patrons_ldif(from: usize, to: usize) -> String {
    let mut out = String::with_capacity((to - from) * 260);
    for n in from..to {
        out.push_str(&format!(
            "dn: {dn}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: Patron {n} Example\nsn: Example\n\
givenName: Patron{n}\nmail: {email}\nemployeeNumber: {card}\ntelephoneNumber: +358 40 {n:07}\n\
userPassword: {FIRST_PIN}\n\n",
            dn = dn(n),
            uid = uid(n),
            email = email(n),
            card = card(n),
        ));
    }
    out
}

impl Slapd {
    /// A running server with `patrons` synthetic entries, or `None` (after
    /// saying so) when slapd is not installed.
    pub fn start(patrons: usize) -> Option<Slapd> {
        let Some(slapd) = binary() else {
            skip("slapd is not installed (Debian: apt-get install slapd ldap-utils)");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("db")).unwrap();
        std::fs::write(dir.path().join("slapd.conf"), config(dir.path())).unwrap();
        let ldif = dir.path().join("init.ldif");
        std::fs::write(&ldif, base_ldif() + &patrons_ldif(0, patrons)).unwrap();
        let slapadd = slapd.with_file_name("slapadd");
        let out = Command::new(&slapadd)
            .args(["-q", "-f"])
            .arg(dir.path().join("slapd.conf"))
            .arg("-l")
            .arg(&ldif)
            .output()
            .expect("slapadd runs");
        assert!(
            out.status.success(),
            "slapadd: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut server = Slapd {
            dir,
            port: free_port(),
            child: None,
        };
        server.run();
        Some(server)
    }

    /// Starts (or starts again) the server on its port and waits for it.
    pub fn run(&mut self) {
        let slapd = binary().unwrap();
        let child = Command::new(slapd)
            .arg("-f")
            .arg(self.dir.path().join("slapd.conf"))
            .arg("-h")
            .arg(format!("ldap://127.0.0.1:{}/", self.port))
            // In the foreground, quiet: the test owns the process.
            .args(["-d", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("slapd starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "slapd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (the data stays for `run`).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "slapd did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// Writes the service password file (0600) into `data_dir`.
    pub fn write_password_file(&self, data_dir: &Path) {
        use std::os::unix::fs::PermissionsExt;
        let path = data_dir.join("ldap-bind-password");
        std::fs::write(&path, format!("{SERVICE_PASSWORD}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    /// The `[org.directory]` table for this server.
    pub fn directory_toml(&self) -> String {
        format!(
            "[org.directory]\nkind = \"ldap\"\nurl = \"{}\"\nbind_dn = \"{SERVICE_DN}\"\n\
bind_password_file = \"ldap-bind-password\"\nbase_dn = \"{PEOPLE}\"\ntimeout_seconds = 3\n\
refresh_timeout_ms = 2000\n",
            self.url()
        )
    }

    /// Runs an ldap-utils command against the server as root.
    fn tool(&self, name: &str, args: &[&str], input: Option<&str>) -> std::process::Output {
        use std::io::Write;
        let mut child = Command::new(name)
            .args(["-x", "-H", &self.url(), "-D", ROOT_DN, "-w", ROOT_PASSWORD])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: {e} (Debian: apt-get install ldap-utils)"));
        if let Some(text) = input {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    }

    /// Applies an LDIF change as root (ldapmodify).
    pub fn modify(&self, ldif: &str) {
        let out = self.tool("ldapmodify", &[], Some(ldif));
        assert!(
            out.status.success(),
            "ldapmodify: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn delete(&self, dn: &str) {
        let out = self.tool("ldapdelete", &[dn], None);
        assert!(
            out.status.success(),
            "ldapdelete: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// One attribute's values of an entry (operational ones too).
    pub fn values(&self, dn: &str, attr: &str) -> Vec<String> {
        let out = self.tool(
            "ldapsearch",
            &[
                "-LLL",
                "-o",
                "ldif-wrap=no",
                "-b",
                dn,
                "-s",
                "base",
                "(objectClass=*)",
                attr,
            ],
            None,
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("{attr}: ")))
            .map(str::to_string)
            .collect()
    }

    /// Does a bind as the entry with this password succeed?
    pub fn binds(&self, dn: &str, password: &str) -> bool {
        Command::new("ldapwhoami")
            .args(["-x", "-H", &self.url(), "-D", dn, "-w", password])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}
