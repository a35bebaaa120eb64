# Shared by the benchmarks' front doors (sourced, not run): build what is missing, install Debian packages, raise
# the open-files limit. Expects $here (load-tests) and $root (the repo) to be set.

load_jar="$here/target/safecity-load.jar"
gateway_jar="$root/target/safecity-gateway.jar"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The load jar: (re)built when missing or older than its sources.
build_load_jar() {
  if [ ! -f "$load_jar" ] || [ -n "$(find "$here/src/main" "$here/pom.xml" -newer "$load_jar" -print -quit)" ]; then
    echo "building $load_jar" >&2
    (cd "$here" && mvn -q -ntp package -DskipTests)
  fi
}

# The gateway jar, built when missing.
build_gateway_jar() {
  if [ ! -f "$gateway_jar" ]; then
    echo "building $gateway_jar" >&2
    (cd "$root" && mvn -q -ntp package -DskipTests)
  fi
}

# apt_install PACKAGE...: installs Debian packages, refreshing the package lists only when the first try fails.
apt_install() {
  echo "installing $* (Debian packages)" >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
    { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@"; }
}

# Simulators and servers hold thousands of sockets: the soft open-files limit up to the hard one.
raise_open_files() {
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}
