module libh2.invalid/interop/go_client

go 1.22

require golang.org/x/net v0.33.0

require golang.org/x/text v0.21.0 // indirect
