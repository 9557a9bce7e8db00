# SPDX-License-Identifier: BSD-3-Clause
#
# report.awk -- turn bench/run.sh's raw results into the markdown report.
#
# Input lines: who round op map bytes flags ns [ref_ns]
#   who = ours | pmdk | machine; ref_ns = the machine's non-temporal loop
#   timed in alternation with that very case (copies of 2 MiB and more).
# Per (who, case) the median across rounds is taken; speedup = PMDK time /
# our time. Each target gets its own column saying met / NOT met, and a
# summary counts them. Plain POSIX awk (mawk is enough).

BEGIN {
	FS = "\t"
	ncopy = 0; nother = 0
	T["all"] = "at least 1.0x PMDK on every case"
	T["small"] = "at least 1.2x PMDK on sizes up to 256 B"
	T["page"] = "at least 1.5x PMDK on PAGE-granularity file maps"
	T["nt"] = "at least 0.95x the plain non-temporal loop, copies >= 2 MiB (flags 0 and NONTEMPORAL)"
	T["persist"] = "persist of 64 B within 1.1x of clwb+sfence"
	T["map"] = "map_new+map_delete at most 0.5x PMDK's time"
	split("all small page nt persist map", TORDER, " ")
}

{
	who = $1; key = $3 SUBSEP $4 SUBSEP $5 SUBSEP $6
	vals[who, key] = vals[who, key] " " $7
	per_round[who, key, $2] = $7
	if (!($2 in round_seen)) {
		round_seen[$2] = 1
		round_list[++nrounds] = $2
	}
	if (NF >= 8 && $8 > 0) {
		refr[who, key] = refr[who, key] " " ($8 / $7)
		refns[who, key] = refns[who, key] " " $8
	}
	if (!((key) in seen)) {
		seen[key] = 1
		if ($3 == "memcpy" || $3 == "memset")
			copies[++ncopy] = key
		else if (who != "machine")
			others[++nother] = key
		else
			mach[++nmach] = key
	}
}

function median(s,    a, n, i, j, t) {
	n = split(s, a, " ")
	if (n == 0)
		return ""
	for (i = 2; i <= n; i++) {
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
	if (n % 2)
		return a[(n + 1) / 2] + 0
	return (a[n / 2] + a[n / 2 + 1]) / 2
}

function med(who, key) { return median(vals[who, key]) }

function fmt_ns(ns) {
	if (ns == "")
		return "-"
	if (ns < 10000)
		return sprintf("%.1f ns", ns)
	if (ns < 1000000)
		return sprintf("%.1f us", ns / 1000)
	return sprintf("%.2f ms", ns / 1000000)
}

function fmt_size(b) {
	if (b >= 1073741824 && b % 1073741824 == 0)
		return (b / 1073741824) " GiB"
	if (b >= 1048576 && b % 1048576 == 0)
		return (b / 1048576) " MiB"
	if (b >= 1024 && b % 1024 == 0)
		return (b / 1024) " KiB"
	return b " B"
}

function gbps(b, ns) { return ns == "" ? "-" : sprintf("%.2f", b / ns) }

function ratio(x) { return x == "" ? "-" : sprintf("%.2fx", x) }

# judge target t for a case: record, and return the table cell
function judge(t, ok, name) {
	if (!ours_built)
		return "-"
	app[t]++
	if (ok) {
		met[t]++
		return "met"
	}
	if (nmiss[t] < 12)
		miss[t] = miss[t] (nmiss[t] ? ", " : "") name
	nmiss[t]++
	return "**NOT met**"
}

# min-max over the rounds of the per-round speedup (PMDK / ours)
function spread(key,    i, r, x, lo, hi) {
	lo = ""; hi = ""
	for (i = 1; i <= nrounds; i++) {
		r = round_list[i]
		if (!(("pmdk", key, r) in per_round) ||
		    !(("ours", key, r) in per_round))
			continue
		x = per_round["pmdk", key, r] / per_round["ours", key, r]
		if (lo == "" || x < lo)
			lo = x
		if (hi == "" || x > hi)
			hi = x
	}
	return lo == "" ? "-" : sprintf("%.2f-%.2f", lo, hi)
}

# PMDK time / our time, rounded to the 2 decimals shown: the targets are
# judged on what the table says
function speedup(key,    p, o) {
	p = med("pmdk", key); o = med("ours", key)
	return (p == "" || o == "") ? "" : sprintf("%.2f", p / o) + 0
}

END {
	print "### Copies: `pmem2_get_memcpy_fn` / `pmem2_get_memset_fn`"
	print ""
	print "CL = file in /dev/shm mapped with `PMEM2_FORCE_GRANULARITY=CACHE_LINE`; " \
	      "PAGE = the same kind of file, detected granularity; BYTE = anonymous map. " \
	      "Flags: 0, NT = NONTEMPORAL, T = TEMPORAL, NOFLUSH. " \
	      "speedup = PMDK time / our time, from the medians across rounds; " \
	      "rounds = lowest and highest per-round speedup. " \
	      "\"vs NT loop\" = (time of the plain non-temporal store loop timed in " \
	      "alternation with the case) / (time of the case), PMDK / ours."
	print ""
	print "| op | map | size | flags | PMDK | ours | PMDK GB/s | ours GB/s | speedup | rounds | >= 1.0x | >= 1.2x (<= 256 B) | >= 1.5x (PAGE) | vs NT loop PMDK / ours | >= 0.95x NT loop |"
	print "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|---:|---|"
	for (i = 1; i <= ncopy; i++) {
		key = copies[i]
		split(key, f, SUBSEP)
		name = f[1] "/" f[2] "/" fmt_size(f[3]) "/" f[4]
		p = med("pmdk", key); o = med("ours", key); s = speedup(key)
		c1 = judge("all", s != "" && s >= 1.0, name)
		c2 = f[3] <= 256 ? judge("small", s != "" && s >= 1.2, name) : ""
		c3 = f[2] == "PAGE" ? judge("page", s != "" && s >= 1.5, name) : ""
		c4 = ""; nt = ""
		if (f[3] >= 2097152) {
			rp = median(refr["pmdk", key]); ro = median(refr["ours", key])
			if (ro != "")
				ro = sprintf("%.2f", ro) + 0
			nt = (rp == "" ? "-" : sprintf("%.2f", rp)) " / " \
			     (ro == "" ? "-" : sprintf("%.2f", ro))
			if (f[4] == "0" || f[4] == "NT")
				c4 = judge("nt", ro != "" && ro >= 0.95, name)
		}
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
		       f[1], f[2], fmt_size(f[3]), f[4], fmt_ns(p), fmt_ns(o),
		       gbps(f[3], p), gbps(f[3], o), ratio(s), spread(key),
		       c1, c2, c3, nt, c4
	}

	print ""
	print "### Persist and map"
	print ""
	print "persist: one 8-byte store into every line of the range, then `pmem2_get_persist_fn()` " \
	      "on the CL map; its machine loop is the same stores then clwb of every line + sfence. " \
	      "map: `pmem2_map_new` + `pmem2_map_delete` of a whole file in /dev/shm " \
	      "(PAGE granularity; the 1 GiB file is sparse); its machine loop is mmap + munmap of the same file. " \
	      "Each case is timed in alternation with its machine loop in the same process; " \
	      "lib / machine = median over the rounds of the paired ratio."
	print ""
	print "| case | PMDK | ours | machine | PMDK / machine | ours / machine | speedup | rounds | >= 1.0x | persist 64 B <= 1.1x clwb+sfence | map <= 0.5x PMDK |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|"
	for (i = 1; i <= nother; i++) {
		key = others[i]
		split(key, f, SUBSEP)
		name = f[1] " " fmt_size(f[3])
		p = med("pmdk", key); o = med("ours", key); s = speedup(key)
		# the machine's loop paired with the case (ref_ns), both processes
		m = median(refns["pmdk", key] refns["ours", key])
		rp = median(refr["pmdk", key]); ro = median(refr["ours", key])
		mp = rp == "" ? "" : 1 / rp
		mo = ro == "" ? "" : sprintf("%.2f", 1 / ro) + 0
		c1 = judge("all", s != "" && s >= 1.0, name)
		c5 = ""; c6 = ""
		if (f[1] == "persist" && f[3] == 64)
			c5 = judge("persist", mo != "" && mo <= 1.1, name)
		if (f[1] == "map_new+delete")
			c6 = judge("map", o != "" && o <= 0.5 * p, name)
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
		       name, fmt_ns(p), fmt_ns(o), fmt_ns(m),
		       ratio(mp), ratio(mo),
		       ratio(s), spread(key), c1, c5, c6
	}

	print ""
	print "### The machine (no library), destination a plain shared mapping of a /dev/shm file"
	print ""
	print "| size | glibc memcpy | GB/s | glibc memset | GB/s | NT copy loop | GB/s | NT fill loop | GB/s |"
	print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= ncopy; i++) {
		split(copies[i], f, SUBSEP)
		if (f[1] != "memcpy" || f[2] != "CL" || f[4] != "0")
			continue
		line = "| " fmt_size(f[3])
		split("glibc_memcpy glibc_memset nt_copy nt_fill", ops, " ")
		for (j = 1; j <= 4; j++) {
			m = ""
			for (k in seen) {
				split(k, g, SUBSEP)
				if (g[1] == ops[j] && g[3] == f[3])
					m = med("machine", k)
			}
			line = line " | " fmt_ns(m) " | " gbps(f[3], m)
		}
		print line " |"
	}
	for (k in seen) {
		split(k, g, SUBSEP)
		if (g[1] == "nt_copy")
			isa = g[4]
		if (g[1] == "flush_sfence")
			fl = g[4]
	}
	print ""
	print "| machine loop, alone | size | time |"
	print "|---|---:|---:|"
	split("flush_sfence mmap+munmap", mops, " ")
	for (j = 1; j <= 2; j++)
		for (i = 1; i <= nmach; i++) {
			split(mach[i], g, SUBSEP)
			if (g[1] == mops[j])
				printf "| %s | %s | %s |\n", g[1] (g[1] == "flush_sfence" ? \
				       " (" g[4] ")" : ""), fmt_size(g[3]), fmt_ns(med("machine", mach[i]))
		}
	if (isa != "") {
		print ""
		print "NT loops use " isa " stores (4 x 64 B per iteration, one sfence at the end); " \
		      "the flush loop uses " fl "."
	}

	print ""
	print "### Targets"
	print ""
	if (!ours_built) {
		print "Our library was not built: no ratio could be measured, every target is open."
	} else {
		print "| target | met | cases | not met (first 12) |"
		print "|---|---:|---:|---|"
		for (i = 1; i <= 6; i++) {
			t = TORDER[i]
			printf "| %s | %d | %d | %s |\n", T[t], met[t], app[t], miss[t]
		}
	}
}
