//! A throwaway `redis-server` on a free loopback port, without persistence, killed on drop.

#![allow(dead_code, unreachable_pub)]

use core::time::Duration;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// A running `redis-server`; killed when dropped.
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts one, or: with `CI` set, panics; otherwise prints a notice and returns `None`,
    /// so that the test passes on a machine without Redis.
    pub fn start() -> Option<Self> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let mut server = Self { port, child: None };
        match server.spawn() {
            Ok(()) => Some(server),
            Err(why) => {
                if std::env::var_os("CI").is_some() {
                    panic!("redis-server could not be started ({why}); CI needs it: apt-get install -y redis-server");
                }
                // Straight to the stream, past the test harness's capture, so that it shows.
                let notice = format!(
                    "\n!!!!!!!! NOTICE: redis-server could not be started ({why}).\n\
                     !!!!!!!! This test did NOT run. Install it with: apt-get install -y redis-server\n"
                );
                let _ = std::io::Write::write_all(&mut std::io::stderr(), notice.as_bytes());
                None
            }
        }
    }

    fn spawn(&mut self) -> Result<(), String> {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawning redis-server: {e}"))?;
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if self.ping() {
                return Ok(());
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                return Err(format!("redis-server exited: {status}"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Err("redis-server did not answer within 10 s".into())
    }

    fn ping(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
        let mut buf = [0; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server (all data is lost: there is no persistence).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn().expect("redis-server restarts on its port");
    }

    /// A plain connection for inspecting the data.
    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url()).unwrap().get_multiplexed_async_connection().await.unwrap()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts a server or ends the test (see [`RedisServer::start`]).
#[macro_export]
macro_rules! redis_or_return {
    () => {
        match common::RedisServer::start() {
            Some(server) => server,
            None => return,
        }
    };
}
