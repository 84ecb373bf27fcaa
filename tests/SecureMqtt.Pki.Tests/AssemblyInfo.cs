// The tests drive Mosquitto, openssl and POSIX file modes: they run where those exist.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
