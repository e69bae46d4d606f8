cd /work/wt_run
/usr/bin/time -f "baseline GBR %e s" python -m calibration fit --config calibration/national.yaml --region GBR --write-baseline --baseline calibration/reports/GBR/baseline_GBR.yaml -v > /work/runs/r27/base_GBR.log 2>/work/runs/r27/base_GBR.err
for s in 20240601 7 1234 1 2 3 4 5; do
  /usr/bin/time -f "USA $s %e s" python -m calibration validate --config calibration/national.yaml --case USA:2000 --seed $s --out USA_s$s -q --json > /work/runs/r27/USA_$s.json 2>>/work/runs/r27/qB.err
done
for s in 20240601 7 1234 1; do
  /usr/bin/time -f "GBR $s %e s" python -m calibration validate --config calibration/national.yaml --case GBR:2000 --seed $s --out GBR_s$s -q --json > /work/runs/r27/GBR_$s.json 2>>/work/runs/r27/qB.err
done
echo done >> /work/runs/r27/qB.err
