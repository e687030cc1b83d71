# Redis from Debian's own redis-server package, not a third-party image.
#   docker build -f deploy/docker/redis.Dockerfile -t fulcrum-redis:7.0-bookworm deploy/docker
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server redis-tools \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 redis-fulcrum && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin redis-fulcrum \
 && mkdir /data && chown 10001:10001 /data
VOLUME ["/data"]
USER 10001:10001
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["redis-server"]
CMD ["--dir", "/data", "--appendonly", "yes", "--appendfsync", "always"]
