// Package deploy holds what runs csdi in production besides the binary:
// the nginx configuration in front of the replicas, the replicas' settings
// for docker-compose.yml, a systemd unit and the Prometheus scrape
// configuration. Its tests check those files against each other and run
// the compose topology — PostgreSQL, two csdi replicas and nginx — as real
// processes on loopback, with nginx running the shipped nginx.conf.
package deploy
