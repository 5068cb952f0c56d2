// go_client: an h2c (prior knowledge) client for the libh2 interop matrix,
// built on net/http and golang.org/x/net/http2.
//
// usage:
//
//	go_client get URL OUT            GET URL, write the body to OUT
//	go_client post URL IN OUT        POST IN's bytes to URL, write the body to OUT
//	go_client multi N BASE OUTDIR    GET BASE/f0 .. BASE/f(N-1) concurrently on
//	                                 one connection, write each body to OUTDIR/fI
//
// Every response must have status 200. Exit status 0 on success, 1 otherwise.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go_client: "+format+"\n", args...)
	os.Exit(1)
}

// conn opens one TCP connection to the URL's host and wraps it in a single
// HTTP/2 client connection, so every request below shares it.
func conn(rawURL string) *http2.ClientConn {
	u, err := url.Parse(rawURL)
	if err != nil {
		die("%v", err)
	}
	tr := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	c, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		die("dial %s: %v", u.Host, err)
	}
	cc, err := tr.NewClientConn(c)
	if err != nil {
		die("h2c: %v", err)
	}
	return cc
}

func do(cc *http2.ClientConn, method, rawURL string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := cc.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.ProtoMajor != 2 {
		return nil, fmt.Errorf("%s %s: protocol %s, want HTTP/2", method, rawURL, resp.Proto)
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s %s: status %d", method, rawURL, resp.StatusCode)
	}
	return data, nil
}

func main() {
	a := os.Args[1:]
	if len(a) < 1 {
		die("usage: go_client get|post|multi ...")
	}
	switch {
	case a[0] == "get" && len(a) == 3:
		cc := conn(a[1])
		data, err := do(cc, "GET", a[1], nil)
		if err != nil {
			die("%v", err)
		}
		if err := os.WriteFile(a[2], data, 0o644); err != nil {
			die("%v", err)
		}
		cc.Close()
	case a[0] == "post" && len(a) == 4:
		body, err := os.ReadFile(a[2])
		if err != nil {
			die("%v", err)
		}
		cc := conn(a[1])
		data, err := do(cc, "POST", a[1], body)
		if err != nil {
			die("%v", err)
		}
		if err := os.WriteFile(a[3], data, 0o644); err != nil {
			die("%v", err)
		}
		cc.Close()
	case a[0] == "multi" && len(a) == 4:
		n, err := strconv.Atoi(a[1])
		if err != nil || n < 1 {
			die("bad count %q", a[1])
		}
		cc := conn(a[2])
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				name := fmt.Sprintf("f%d", i)
				data, err := do(cc, "GET", a[2]+"/"+name, nil)
				if err == nil {
					err = os.WriteFile(filepath.Join(a[3], name), data, 0o644)
				}
				errs[i] = err
			}(i)
		}
		wg.Wait()
		failed := false
		for _, err := range errs {
			if err != nil {
				fmt.Fprintln(os.Stderr, "go_client:", err)
				failed = true
			}
		}
		cc.Close()
		if failed {
			os.Exit(1)
		}
	default:
		die("usage: go_client get URL OUT | post URL IN OUT | multi N BASE OUTDIR")
	}
}
