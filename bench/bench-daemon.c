/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* capguardd under load: runc-style state dirs under --watch runc:DIR, each naming a real
 * process holding Docker's default set. Measures, from each state.json's rename into place
 * to the verdict's time as stored: p50/p99 at a paced 1,000 containers a second, and
 * throughput with 1,000 written at once; then the daemon's RSS with the containers live and
 * its CPU ticks over an idle minute.
 *
 * Usage: bench-daemon CAPGUARDD POLICY FIXTURES-DIR [N] [IDLE-SECONDS] */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capguard/cap-profile.h"
#include "capguard/proc-stat.h"

/* Under $TMPDIR, else /tmp, top holds the database, on disk as /var/lib is; run, a tmpfs as
 * a node's /run is, the runtime's side: the watched root, the bundles, the staging area. */
static char dir[400], top[256], run[320];

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

_Noreturn static void die(const char *what) {
        fprintf(stderr, "bench-daemon: %s: %s\n", what, strerror(errno));
        exit(EXIT_FAILURE);
}

/* A stand-in for a container's init: Docker's default set, then nothing but waiting. */
static pid_t spawn_container(uint64_t docker_default) {
        pid_t pid = fork();

        if (pid < 0)
                die("fork");
        if (pid == 0) {
                cap_t caps = cap_init();

                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (unsigned c = 0; c < 64; c++)
                        if (docker_default & (UINT64_C(1) << c)) {
                                cap_value_t v = (cap_value_t) c;

                                cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
                                cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET);
                        }
                for (unsigned c = 0; c <= (unsigned) cap_max_bits() - 1; c++)
                        if (!(docker_default & (UINT64_C(1) << c)))
                                (void) prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
                (void) cap_set_proc(caps);
                for (;;)
                        pause();
        }
        return pid;
}

static uint64_t start_of(pid_t pid) {
        char path[64];
        ProcStat st;

        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        if (proc_stat_read_at(AT_FDCWD, path, &st) < 0)
                die("read stat");
        return st.starttime;
}

/* What runc under containerd left for a Kubernetes container (tests/fixtures): its state.json,
 * 7.5 KiB with the whole libcontainer config and the annotations as labels, and its bundle's
 * config.json. Each bench container gets a copy naming it, its process and its bundle. */
static json_object *state_template;
static char *config_text;
static size_t config_len;

static void load_fixtures(const char *fixtures) {
        char path[600];
        FILE *f;
        long len;

        snprintf(path, sizeof path, "%s/containerd-k8s-default/state.json", fixtures);
        state_template = json_object_from_file(path);
        if (!state_template)
                die("read the state.json fixture");
        snprintf(path, sizeof path, "%s/containerd-k8s-default/config.json", fixtures);
        f = fopen(path, "re");
        if (!f || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) < 0)
                die("read the config.json fixture");
        config_len = (size_t) len;
        config_text = malloc(config_len);
        if (!config_text || fread(config_text, 1, config_len, f) != config_len)
                die("read the config.json fixture");
        fclose(f);
}

static void write_file(const char *path, const char *text, size_t len) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0 || write(fd, text, len) != (ssize_t) len || close(fd) < 0)
                die(path);
}

/* The bundle, outside the watched root as runc's are, then state.json renamed into place in
 * the container's directory under base. */
static uint64_t write_state(const char *base, const char *id, pid_t pid, uint64_t start) {
        char d[512], tmp[600], final[600], bundle[600], label[700];
        json_object *config, *labels;
        const char *text;
        uint64_t t;

        snprintf(d, sizeof d, "%s/%s", base, id);
        snprintf(tmp, sizeof tmp, "%s/state.json.tmp", d);
        snprintf(final, sizeof final, "%s/state.json", d);
        snprintf(bundle, sizeof bundle, "%s/bundles/%s", run, id);
        if (mkdir(bundle, 0700) < 0)
                die("mkdir bundle");
        snprintf(label, sizeof label, "%s/config.json", bundle);
        write_file(label, config_text, config_len);

        /* runc puts the bundle label last, after one label per annotation */
        snprintf(label, sizeof label, "bundle=%s", bundle);
        if (!json_object_object_get_ex(state_template, "config", &config) ||
            !json_object_object_get_ex(config, "labels", &labels) || json_object_array_length(labels) == 0)
                die("state.json fixture without config.labels");
        json_object_array_put_idx(labels, json_object_array_length(labels) - 1, json_object_new_string(label));
        json_object_object_add(state_template, "id", json_object_new_string(id));
        json_object_object_add(state_template, "init_process_pid", json_object_new_int(pid));
        json_object_object_add(state_template, "init_process_start", json_object_new_int64((int64_t) start));
        /* as Go writes it: json-c would escape every '/', which runc never does */
        text = json_object_to_json_string_ext(state_template, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

        if (mkdir(d, 0700) < 0)
                die("mkdir");
        write_file(tmp, text, strlen(text));
        t = now_usec();
        if (rename(tmp, final) < 0)
                die("rename");
        return t;
}

/* A container directory prepared in staging, moved into the root in one rename. */
static uint64_t move_in(const char *staging, const char *id) {
        char from[1024], to[1024];
        uint64_t t;

        snprintf(from, sizeof from, "%s/%s", staging, id);
        snprintf(to, sizeof to, "%s/%s", dir, id);
        t = now_usec();
        if (rename(from, to) < 0)
                die("rename into the root");
        return t;
}

/* How late the benchmark's own writes of a paced phase were: when the machine stalls, the
 * writer stalls with the daemon, and a latency percentile near this is the machine's. */
typedef struct Lateness {
        uint64_t max;  /* us, the rename past its due time */
        size_t over_ms; /* writes more than 1 ms late */
} Lateness;

/* n containers named prefix0, prefix1, ..., one every interval us, each naming its kid;
 * written[i] is when the i-th state file was renamed into place. */
static Lateness write_paced(const char *prefix, size_t n, uint64_t interval, const pid_t *kids, uint64_t *written) {
        uint64_t t0 = now_usec();
        Lateness late = {};

        for (size_t i = 0; i < n; i++) {
                char id[32];
                uint64_t due = t0 + i * interval, now;

                while ((now = now_usec()) < due)
                        usleep((useconds_t) (due - now > 200 ? due - now - 100 : 0));
                snprintf(id, sizeof id, "%s%zu", prefix, i);
                written[i] = write_state(dir, id, kids[i], start_of(kids[i]));
                if (written[i] - due > late.max)
                        late.max = written[i] - due;
                if (written[i] - due > 1000)
                        late.over_ms++;
        }
        return late;
}

static void report_lateness(Lateness l, size_t n) {
        printf("%-34s up to %.3f ms late, %zu of %zu more than 1 ms\n", "  the benchmark's own writes", l.max / 1000.0,
               l.over_ms, n);
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

/* Waits until n verdicts on containers named prefix* are stored; returns them by id. */
static void collect(const char *db_path, const char *prefix, size_t n, const uint64_t *written, uint64_t *lat,
                    uint64_t *ret_last) {
        sqlite3 *db;
        sqlite3_stmt *st;
        char like[64];
        size_t got = 0;
        uint64_t last = 0;

        snprintf(like, sizeof like, "%s%%", prefix);
        for (int tries = 0; tries < 600 && got < n; tries++) {
                if (tries)
                        usleep(100 * 1000);
                if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
                        continue;
                sqlite3_busy_timeout(db, 1000);
                if (sqlite3_prepare_v2(db,
                                       "SELECT c.container_id, e.time FROM events e JOIN containers c ON e.container = c.id "
                                       "WHERE c.container_id LIKE ?1",
                                       -1, &st, NULL) != SQLITE_OK) {
                        sqlite3_close(db);
                        continue;
                }
                sqlite3_bind_text(st, 1, like, -1, SQLITE_STATIC);
                got = 0;
                last = 0;
                while (sqlite3_step(st) == SQLITE_ROW) {
                        const char *id = (const char *) sqlite3_column_text(st, 0);
                        uint64_t t = (uint64_t) sqlite3_column_int64(st, 1);
                        size_t i = strtoul(id + strlen(prefix), NULL, 10);

                        if (i < n) {
                                lat[i] = t - written[i];
                                got++;
                                if (t > last)
                                        last = t;
                        }
                }
                sqlite3_finalize(st);
                sqlite3_close(db);
        }
        if (got < n) {
                fprintf(stderr, "bench-daemon: only %zu of %zu verdicts arrived\n", got, n);
                exit(EXIT_FAILURE);
        }
        *ret_last = last;
}

/* A verdict that did not read the bundle's config would have cost less than a real one: the
 * figures count only if every container has its declared sets and Kubernetes names. */
static void check_complete(const char *db_path, const char *prefix, size_t n) {
        sqlite3 *db;
        sqlite3_stmt *st;
        char like[64];
        int64_t got = -1;

        snprintf(like, sizeof like, "%s%%", prefix);
        if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
                die("open the database");
        sqlite3_busy_timeout(db, 5000);
        if (sqlite3_prepare_v2(db,
                               "SELECT count(*) FROM containers WHERE container_id LIKE ?1 AND declared_eff IS NOT NULL "
                               "AND k8s_namespace IS NOT NULL AND pod IS NOT NULL AND image IS NOT NULL",
                               -1, &st, NULL) != SQLITE_OK)
                die("prepare the check");
        sqlite3_bind_text(st, 1, like, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
                got = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        if (got != (int64_t) n) {
                fprintf(stderr, "bench-daemon: %" PRId64 " of %zu %s containers were judged with their config\n", got,
                        n, prefix);
                exit(EXIT_FAILURE);
        }
}

static void report(const char *what, uint64_t *lat, size_t n) {
        qsort(lat, n, sizeof *lat, cmp_u64);
        printf("%-34s p50 %7.3f ms   p99 %7.3f ms   max %7.3f ms\n", what, lat[n / 2] / 1000.0,
               lat[(n * 99) / 100] / 1000.0, lat[n - 1] / 1000.0);
}

static long field_of(pid_t pid, const char *key) {
        char path[64], line[256];
        FILE *f;
        long v = -1;

        snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        while (f && fgets(line, sizeof line, f))
                if (strncmp(line, key, strlen(key)) == 0)
                        v = strtol(line + strlen(key), NULL, 10);
        if (f)
                fclose(f);
        return v;
}

/* Time on a CPU and time runnable but waiting for one, in ns, from the scheduler's own
 * accounting: precise where ticks are 10 ms, and what a verdict costs whatever else the
 * machine runs. What is left of the wall time, the daemon slept: journald's queue full, or
 * nothing to do. */
static bool schedstat_read(const char *path, uint64_t *ret_cpu, uint64_t *ret_wait) {
        unsigned long long cpu = 0, wait = 0;
        FILE *f;
        bool ok;

        f = fopen(path, "re");
        if (!f)
                return false;
        ok = fscanf(f, "%llu %llu", &cpu, &wait) == 2;
        fclose(f);
        *ret_cpu = cpu;
        *ret_wait = wait;
        return ok;
}

/* /proc/PID/schedstat is the main thread's: the event loop's. */
static void sched_ns_of(pid_t pid, uint64_t *ret_cpu, uint64_t *ret_wait) {
        char path[64];

        snprintf(path, sizeof path, "/proc/%d/schedstat", (int) pid);
        if (!schedstat_read(path, ret_cpu, ret_wait))
                die("read daemon schedstat");
}

/* Time on a CPU summed over every thread of the process: the loop and the threads that write
 * the store and checkpoint it. */
static uint64_t sched_ns_all(pid_t pid) {
        char path[64];
        DIR *d;
        struct dirent *de;
        uint64_t sum = 0;

        snprintf(path, sizeof path, "/proc/%d/task", (int) pid);
        d = opendir(path);
        if (!d)
                die("open the daemon's tasks");
        while ((de = readdir(d))) {
                uint64_t cpu, wait;
                char p[300];

                if (de->d_name[0] == '.')
                        continue;
                snprintf(p, sizeof p, "/proc/%d/task/%s/schedstat", (int) pid, de->d_name);
                if (schedstat_read(p, &cpu, &wait)) /* a thread may have ended since */
                        sum += cpu;
        }
        closedir(d);
        return sum;
}

/* Time the hypervisor gave this machine's virtual CPUs to someone else ("steal" in
 * /proc/stat, in USER_HZ ticks, all CPUs): here it comes and goes within minutes, up to a
 * quarter of the CPUs' time, and the figures of a run mean little without it. */
static uint64_t steal_ticks(void) {
        unsigned long long v[8] = {};
        FILE *f = fopen("/proc/stat", "re");
        int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                           &v[5], &v[6], &v[7])
                  : 0;

        if (f)
                fclose(f);
        return n == 8 ? v[7] : 0;
}

typedef struct Steal {
        uint64_t ticks, usec;
} Steal;

static Steal steal_now(void) {
        return (Steal) { .ticks = steal_ticks(), .usec = now_usec() };
}

/* The share of the CPUs' time stolen since, in percent. */
static double steal_since(Steal since) {
        Steal now = steal_now();
        double cpu_ticks = (now.usec - since.usec) / 1e6 * sysconf(_SC_CLK_TCK) * sysconf(_SC_NPROCESSORS_ONLN);

        return cpu_ticks > 0 ? 100.0 * (now.ticks - since.ticks) / cpu_ticks : 0.0;
}

static void report_steal(double percent) {
        printf("%-34s %.0f%% of the CPUs' time\n", "  stolen by the hypervisor", percent);
}

/* Another writer holding the database, as a policy load or a long prune by capctl would:
 * until it is killed. */
static pid_t lock_database(const char *db_path) {
        int ready[2];
        pid_t pid;
        char c;

        if (pipe(ready) < 0)
                die("pipe");
        pid = fork();
        if (pid < 0)
                die("fork");
        if (pid == 0) {
                sqlite3 *db;

                close(ready[0]);
                if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
                        _exit(EXIT_FAILURE);
                sqlite3_busy_timeout(db, 10000);
                if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
                        _exit(EXIT_FAILURE);
                (void) !write(ready[1], "1", 1);
                for (;;)
                        pause();
        }
        close(ready[1]);
        if (read(ready[0], &c, 1) != 1)
                die("lock the database");
        close(ready[0]);
        return pid;
}

static uint64_t ticks_of(pid_t pid) {
        char path[64];
        ProcStat st;
        unsigned long ut = 0, stt = 0;
        char buf[1024], *p;
        FILE *f;

        (void) st;
        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        f = fopen(path, "re");
        if (!f || !fgets(buf, sizeof buf, f))
                die("read daemon stat");
        fclose(f);
        p = strrchr(buf, ')');
        /* fields after comm: state(3) ... utime(14) stime(15) */
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) != 2)
                die("parse daemon stat");
        return ut + stt;
}

int main(int argc, char *argv[]) {
        const char *daemon_path, *policy;
        size_t n;
        unsigned idle;
        uint64_t docker_default, *written, *lat, last, first;
        pid_t *kids, daemon;
        char db[600], pidfile[600], watch[600], staging[600], bundles[600];
        uint64_t ticks0, cpu0, cpu1, wait0, wait1, all0, all1;
        Steal steal;
        double stolen;
        Lateness late;
        size_t n_locked;
        pid_t locker;
        long rss_paced;

        if (argc < 4) {
                fprintf(stderr, "Usage: bench-daemon CAPGUARDD POLICY FIXTURES-DIR [N] [IDLE-SECONDS]\n");
                return EXIT_FAILURE;
        }
        daemon_path = argv[1];
        policy = argv[2];
        load_fixtures(argv[3]);
        n = argc > 4 ? strtoul(argv[4], NULL, 10) : 1000;
        idle = argc > 5 ? (unsigned) strtoul(argv[5], NULL, 10) : 60;

        snprintf(top, sizeof top, "%s/capguard-bench-XXXXXX", getenv("TMPDIR") ?: "/tmp");
        if (!mkdtemp(top))
                die("mkdtemp");
        snprintf(db, sizeof db, "%s/capguard.db", top);
        snprintf(pidfile, sizeof pidfile, "%s/capguardd.pid", top);
        snprintf(run, sizeof run, "%s/run", top);
        if (mkdir(run, 0700) < 0)
                die("mkdir run");
        /* On disk, the runtime's files would be flushed with each of the database's fsyncs
         * (ext4's ordered mode), which no node does. */
        if (mount("tmpfs", run, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=256m") < 0)
                die("mount a tmpfs for the runtime state (bench-daemon runs as root)");
        snprintf(watch, sizeof watch, "runc:%s/root", run);
        snprintf(dir, sizeof dir, "%s/root", run);
        snprintf(bundles, sizeof bundles, "%s/bundles", run);
        if (mkdir(dir, 0700) < 0 || mkdir(bundles, 0700) < 0)
                die("mkdir root");
        if (cap_profile_mask("docker-default", &docker_default) < 0)
                die("profile");

        n_locked = n / 5;
        kids = calloc(2 * n + n_locked, sizeof *kids);
        written = calloc(2 * n, sizeof *written);
        lat = calloc(2 * n, sizeof *lat);
        for (size_t i = 0; i < 2 * n + n_locked; i++)
                kids[i] = spawn_container(docker_default);

        daemon = fork();
        if (daemon == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                dup2(null, STDOUT_FILENO);
                execl(daemon_path, daemon_path, "--db", db, "--pid-file", pidfile, "--default-policy", policy,
                      "--watch", watch, "--dry-run", (char *) NULL);
                _exit(127);
        }
        for (int i = 0; i < 200 && access(pidfile, F_OK) < 0; i++)
                usleep(20 * 1000);
        if (access(pidfile, F_OK) < 0) {
                fprintf(stderr, "bench-daemon: capguardd did not start\n");
                return EXIT_FAILURE;
        }

        printf("capguardd, %zu containers per run, runc-style state under --watch, dry run\n", n);

        /* paced: one every 1000000/1000 us */
        steal = steal_now();
        late = write_paced("paced", n, 1000, kids, written);
        collect(db, "paced", n, written, lat, &last);
        stolen = steal_since(steal);
        check_complete(db, "paced", n);
        report("state.json -> verdict, 1000/s paced", lat, n);
        report_steal(stolen);
        report_lateness(late, n);
        rss_paced = field_of(daemon, "VmRSS:");

        /* all at once: prepared aside, then each container's directory renamed into the root,
         * so that what is timed is the daemon, not this writer's json-c and mkdir */
        snprintf(staging, sizeof staging, "%s/staging", run);
        if (mkdir(staging, 0700) < 0)
                die("mkdir staging");
        for (size_t i = 0; i < n; i++) {
                char id[32];

                snprintf(id, sizeof id, "burst%zu", i);
                (void) write_state(staging, id, kids[n + i], start_of(kids[n + i]));
        }
        sched_ns_of(daemon, &cpu0, &wait0);
        all0 = sched_ns_all(daemon);
        steal = steal_now();
        for (size_t i = 0; i < n; i++) {
                char id[32];

                snprintf(id, sizeof id, "burst%zu", i);
                written[i] = move_in(staging, id);
        }
        first = written[0];
        collect(db, "burst", n, written, lat, &last);
        stolen = steal_since(steal);
        check_complete(db, "burst", n);
        report("state.json -> verdict, all at once", lat, n);
        printf("%-34s %.0f verdicts/s (the renames took %.1f ms)\n", "throughput, all at once",
               n / ((last - first) / 1e6), (written[n - 1] - first) / 1e3);
        report_steal(stolen);
        sched_ns_of(daemon, &cpu1, &wait1);
        all1 = sched_ns_all(daemon);
        printf("%-34s %.0f us per verdict (%.0f verdicts per CPU-second)\n", "event loop CPU, all at once",
               (cpu1 - cpu0) / 1e3 / n, n / ((cpu1 - cpu0) / 1e9));
        printf("%-34s %.0f us per verdict, every thread\n", "daemon CPU, all at once", (all1 - all0) / 1e3 / n);
        printf("%-34s %.0f%% on a CPU, %.0f%% waiting for one\n", "event loop during the burst",
               100.0 * (cpu1 - cpu0) / 1e3 / (last - first), 100.0 * (wait1 - wait0) / 1e3 / (last - first));

        printf("%-34s %ld KiB with %zu live containers, %ld KiB with %zu\n", "RSS", rss_paced, n,
               field_of(daemon, "VmRSS:"), 2 * n);

        /* paced, 100 a second, while another writer holds the database: the store waits, the
         * verdicts must not */
        locker = lock_database(db);
        steal = steal_now();
        late = write_paced("locked", n_locked, 10000, kids + 2 * n, written);
        kill(locker, SIGKILL);
        waitpid(locker, NULL, 0);
        collect(db, "locked", n_locked, written, lat, &last);
        stolen = steal_since(steal);
        report("state.json -> verdict, 100/s paced, database locked", lat, n_locked);
        report_steal(stolen);
        report_lateness(late, n_locked);

        sleep(2); /* let the last writes and checkpoints settle */
        ticks0 = ticks_of(daemon);
        sleep(idle);
        printf("%-34s %" PRIu64 " ticks in %u s\n", "CPU while idle", ticks_of(daemon) - ticks0, idle);

        kill(daemon, SIGTERM);
        waitpid(daemon, NULL, 0);
        for (size_t i = 0; i < 2 * n + n_locked; i++)
                kill(kids[i], SIGKILL);
        while (wait(NULL) > 0)
                ;
        {
                char cmd[700];

                (void) umount2(run, MNT_DETACH);
                snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
                (void) system(cmd);
        }
        return EXIT_SUCCESS;
}
