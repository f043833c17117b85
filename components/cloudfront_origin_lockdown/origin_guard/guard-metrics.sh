#!/bin/sh
# Guard metrics (README "Monitoring"): the origin guard's exit code, and the 403s nginx logged since the last
# run, to CloudWatch. Run by the guard unit's ExecStopPost= after every run of the guard, whatever its result,
# which systemd passes in $SERVICE_RESULT, $EXIT_CODE and $EXIT_STATUS (systemd.exec(5)). Never fails, reads
# no secret (the access log holds no header value), prints one line. POSIX sh, small: it travels in user data.
# Usage: guard-metrics.sh REGION STACK [ACCESS_LOG [STATE_FILE]]
region=$1 stack=$2 log=${3:-/var/log/nginx/access.log} state=${4:-/run/origin-guard-metrics.offset}
# GuardExitCode: the guard's own code; 255 when it did not exit by itself (killed, timed out) or is unknown.
code=255
case "$EXIT_CODE:$EXIT_STATUS" in exited: | exited:*[!0-9]*) ;; exited:*) code=$EXIT_STATUS ;; esac
[ "$code" = 255 ] && [ "$SERVICE_RESULT" = success ] && code=0
# OriginForbidden: 403 lines of the combined log (its status follows the request, the 2nd '"'; nginx escapes
# a '"' inside the request) between the offset kept in /run and the log's size now. No state (first run since
# boot): start at the end. Another inode or a shorter file (rotated, truncated): start at its beginning.
forbidden=0
now=$(stat -Lc '%i %s' "$log" 2>/dev/null)
if [ -n "$now" ]; then
  inode=${now% *} size=${now#* }
  { read -r seen offset <"$state"; } 2>/dev/null || { seen=$inode offset=$size; }
  { [ "$seen" = "$inode" ] && [ "$offset" -le "$size" ]; } 2>/dev/null || offset=0
  forbidden=$(tail -c +$((offset + 1)) "$log" | head -c $((size - offset)) |
    awk -F'"' '{ split($3, field, " ") } field[1] == "403" { n++ } END { print n + 0 }')
  echo "$inode $size" >"$state"
fi
d='"Dimensions":[{"Name":"Stack","Value":"'$stack'"}]'
data='[{"MetricName":"GuardExitCode",'$d',"Value":'$code',"Unit":"None"},{"MetricName":"OriginForbidden",'$d',"Value":'$forbidden',"Unit":"Count"}]'
# Once, with short timeouts and no retry: the next run is a minute away. Only AWS's error code is shown.
if out=$(AWS_MAX_ATTEMPTS=1 aws cloudwatch put-metric-data --region "$region" --namespace CloudFrontOriginLockdown \
  --metric-data "$data" --cli-connect-timeout 5 --cli-read-timeout 10 2>&1); then
  result=published
else
  status=$? error=$(echo "$out" | sed -n 's/.*(\([A-Za-z]*\)).*/\1/p' | head -n 1)
  result="not published: aws exited $status (${error:-no code})"
fi
echo "origin-guard-metrics: guard exit code $code, $forbidden refused; $result"
exit 0
