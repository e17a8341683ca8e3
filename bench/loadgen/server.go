package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// server is an `ipamd serve` child process on a data dir. Its JSON log is
// read line by line; while capturing, each request line's duration_ms is
// kept by request id, which is how server-side latencies are measured.
type server struct {
	bin, dataDir, listen string
	extra                []string
	logFile              *os.File

	cmd  *exec.Cmd
	done chan error

	capturing atomic.Bool
	mu        sync.Mutex
	durations map[string]float64 // request id -> duration_ms
}

// buildServer compiles cmd/ipamd of the module this tool replaces in.
func buildServer(dir string) (string, error) {
	bin := filepath.Join(dir, "ipamd")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/ipamd/ipamd/cmd/ipamd")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return bin, cmd.Run()
}

func (s *server) start() error {
	args := append([]string{"serve", "--data-dir", s.dataDir, "--listen", s.listen, "--log-format", "json",
		"--max-body-bytes", "1048576"}, s.extra...)
	s.cmd = exec.Command(s.bin, args...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan error, 1)
	lines := make(chan struct{})
	go func() { s.readLog(stderr); close(lines) }()
	go func() { <-lines; s.done <- s.cmd.Wait() }()
	return nil
}

type logLine struct {
	Msg        string  `json:"msg"`
	RequestID  string  `json:"request_id"`
	DurationMS float64 `json:"duration_ms"`
	Level      string  `json:"level"`
}

func (s *server) readLog(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if s.logFile != nil {
			s.logFile.Write(line)
			s.logFile.Write([]byte{'\n'})
		}
		if !strings.Contains(string(line), `"msg":"request"`) {
			fmt.Fprintf(os.Stderr, "ipamd: %s\n", line) // start-up, warnings, errors
			continue
		}
		if !s.capturing.Load() {
			continue
		}
		var l logLine
		if json.Unmarshal(line, &l) != nil || l.RequestID == "" {
			continue
		}
		s.mu.Lock()
		s.durations[l.RequestID] = l.DurationMS
		s.mu.Unlock()
	}
}

// capture starts keeping request durations.
func (s *server) capture() {
	s.mu.Lock()
	s.durations = map[string]float64{}
	s.mu.Unlock()
	s.capturing.Store(true)
}

// serverTimes stops capturing and returns the durations of ids, waiting
// briefly for log lines written after their responses.
func (s *server) serverTimes(ids []string) []time.Duration {
	deadline := time.Now().Add(2 * time.Second)
	for {
		s.mu.Lock()
		missing := 0
		for _, id := range ids {
			if _, ok := s.durations[id]; !ok {
				missing++
			}
		}
		s.mu.Unlock()
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.capturing.Store(false)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]time.Duration, 0, len(ids))
	for _, id := range ids {
		if ms, ok := s.durations[id]; ok {
			out = append(out, time.Duration(ms*float64(time.Millisecond)))
		}
	}
	s.durations = nil
	return out
}

// stop sends SIGTERM and waits for the exit.
func (s *server) stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.cmd = nil
		return err
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		s.cmd = nil
		return fmt.Errorf("ipamd did not stop within 15 s")
	}
}

func (s *server) pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// waitHealthy polls /healthz until it answers 200.
func waitHealthy(ctx context.Context, endpoint string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(endpoint, "/")+"/healthz", nil)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s/healthz did not answer 200 within %v", endpoint, timeout)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// memory reads VmRSS and VmHWM (peak RSS) in bytes from /proc/<pid>/status.
func memory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		if k == "VmRSS" {
			rss = n << 10
		} else {
			hwm = n << 10
		}
	}
	return rss, hwm, nil
}
