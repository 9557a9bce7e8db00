# SPDX-License-Identifier: BSD-3-Clause
#
# report.awk -- turn bench/run.sh's raw results into the markdown report.
#
# Input lines: who round op map bytes flags pattern ns [ref_ns [threads]]
#   who = ours | pmdk | machine; ref_ns = the reference timed in
#   alternation with that very case (bench.c says which).
# Per (who, case) the median across rounds is taken; speedup = the median
# over the rounds of the round's PMDK time / our time. Each target gets its
# own column saying met / NOT met, and a summary counts them. A case whose
# speedup is below 1.00 but at least 0.98, with per-round speedups on both
# sides of 1.0, is "parity": within the noise of this machine, counted as
# met and shown as such. Plain POSIX awk
# (mawk is enough).
#
# Variables (-v): main_rounds = how many rounds ran every case (rounds
# beyond it are close calls' extra rounds: counted, and their verdict
# changes listed); band = the close-call band, for the text;
# close_band = print the keys of the cases whose speedup lies within that
# much of 1.0, one per line, and nothing else (run.sh's close calls).

BEGIN {
	FS = "\t"
	ncopy = 0; nother = 0; nthr = 0; nset = 0; nmach = 0
	T["all"] = "at least 1.0x PMDK on every case (0.98x with rounds on both sides of 1.0 = parity)"
	T["small"] = "at least 1.2x PMDK on sizes up to 256 B (same destination)"
	T["page"] = "at least 1.5x PMDK on PAGE-granularity file maps (same destination)"
	T["nt"] = "at least 0.95x the plain non-temporal loop, copies >= 2 MiB (flags 0 and NONTEMPORAL, every pattern)"
	T["persist"] = "persist of 64 B within 1.1x of clwb+sfence"
	T["map"] = "map_new+map_delete at most 0.5x PMDK's time"
	T["threads"] = "threads, CACHE_LINE: aggregate >= 0.9 x threads x one thread (ours); where the machine's own loop scales below 0.9, ours >= 0.95x the machine's scaling"
	T["pmemset"] = "pmemset_memcpy at most 1.05x pmem2's memcpy on the same file"
	split("all small page nt persist map threads pmemset", TORDER, " ")
	npat = split("hot cold append", PAT, " ")
	PATDESC["hot"] = "the same destination on every call"
	PATDESC["cold"] = "a different destination on every call (slots of max(size, 4 KiB) over the 64 MiB map in a scrambled order: not in any cache, not in the TLB)"
	PATDESC["append"] = "each call right after the previous one, wrapping at the end of the 64 MiB map (a log)"
}

{
	who = $1; key = $3 SUBSEP $4 SUBSEP $5 SUBSEP $6 SUBSEP $7
	vals[who, key] = vals[who, key] " " $8
	per_round[who, key, $2] = $8
	if (!($2 in round_seen)) {
		round_seen[$2] = 1
		round_list[++nrounds] = $2
	}
	if (NF >= 9 && $9 > 0) {
		refr[who, key] = refr[who, key] " " ($9 / $8)
		refns[who, key] = refns[who, key] " " $9
	}
	if (NF >= 10)
		nthreads[key] = $10
	if (!((key) in seen)) {
		seen[key] = 1
		if (who == "machine" && $3 == "threads")
			mthr[$5] = key
		else if (who == "machine")
			mach[++nmach] = key
		else if ($3 == "memcpy" || $3 == "memset")
			copies[++ncopy] = key
		else if ($3 == "threads")
			thr[++nthr] = key
		else if ($3 == "pmemset_memcpy")
			sets[++nset] = key
		else
			others[++nother] = key
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

# a section: its heading, a paragraph, then the head of its table
function section(level, title, text, head, align) {
	print ""
	print level " " title
	print ""
	if (text != "") {
		print text
		print ""
	}
	print head
	print align
}

function r2(x) { return x == "" ? "" : sprintf("%.2f", x) + 0 }

# judge target t for a case: record, and return the table cell
function judge(t, ok, name) {
	if (!have_ours)
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

# the 1.0x target with the parity rule (verdict()); sets judged_parity
function judge_all(s, key, name) {
	judged_parity = 0
	if (s == "" || !have_pmdk)
		return "-"
	tally_close(key, name)
	if (s >= 1.0)
		return judge("all", 1, name)
	if (verdict(key, "")) {
		judged_parity = 1
		nparity++
		judge("all", 1, name)
		return "parity"
	}
	return judge("all", 0, name)
}

# min-max over the rounds of the per-round speedup (PMDK / ours), of the
# rounds up to maxr (every round when maxr is ""); sets sp_lo, sp_hi and
# sp_n (how many rounds); the cell shows the round count of a close call
function spread(key, maxr,    i, r, x) {
	sp_lo = ""; sp_hi = ""; sp_n = 0
	for (i = 1; i <= nrounds; i++) {
		r = round_list[i]
		if (maxr != "" && r + 0 > maxr + 0)
			continue
		if (!(("pmdk", key, r) in per_round) ||
		    !(("ours", key, r) in per_round))
			continue
		x = per_round["pmdk", key, r] / per_round["ours", key, r]
		sp_n++
		if (sp_lo == "" || x < sp_lo)
			sp_lo = x
		if (sp_hi == "" || x > sp_hi)
			sp_hi = x
	}
	if (sp_lo == "")
		return "-"
	return sprintf("%.2f-%.2f", sp_lo, sp_hi) \
	       (main_rounds != "" && sp_n > main_rounds + 0 ? " (" sp_n ")" : "")
}

# PMDK time / our time: the median over the rounds (up to maxr; every round
# when maxr is "") of the ratio of the two times of a round (measured within
# a fraction of a second of each other, so what the machine did meanwhile
# weighs on both), rounded to the 2 decimals shown: the targets are judged
# on what the table says
function speedup(key, maxr,    i, r, l) {
	l = ""
	for (i = 1; i <= nrounds; i++) {
		r = round_list[i]
		if (maxr != "" && r + 0 > maxr + 0)
			continue
		if ((("pmdk", key, r) in per_round) &&
		    (("ours", key, r) in per_round))
			l = l " " (per_round["pmdk", key, r] / per_round["ours", key, r])
	}
	return l == "" ? "" : r2(median(l))
}

# the 1.0x verdict (1 met, 0 not) on the rounds up to maxr ("" = all):
# a speedup of 1.00 or more, or parity (at least 0.98, per-round speedups
# on both sides of 1.0)
function verdict(key, maxr,    s) {
	s = speedup(key, maxr)
	if (s == "")
		return ""
	if (s >= 1.0)
		return 1
	spread(key, maxr)
	return s >= 0.98 && sp_lo <= 1.0 && sp_hi >= 1.0
}

# a close call (more rounds than the first main_rounds): count it, and
# whether the extra rounds changed its verdict
function tally_close(key, name,    first, all) {
	if (main_rounds == "")
		return
	spread(key, "")
	if (sp_n <= main_rounds + 0)
		return
	nclose++
	first = verdict(key, main_rounds)
	all = verdict(key, "")
	if (first == all)
		return
	if (all)
		turned_met = turned_met (nturned_met++ ? ", " : "") name \
			" (" ratio(speedup(key, main_rounds)) " -> " ratio(speedup(key, "")) ")"
	else
		turned_missed = turned_missed (nturned_missed++ ? ", " : "") name \
			" (" ratio(speedup(key, main_rounds)) " -> " ratio(speedup(key, "")) ")"
}

function copy_table(pat,    i, key, f, name, p, o, s, c1, c2, c3, c4, nt, rp, ro, hot) {
	hot = pat == "hot"
	if (hot)
		section("####", "Destination \"" pat "\": " PATDESC[pat], "",
			"| op | map | size | flags | PMDK | ours | PMDK GB/s | ours GB/s | speedup | rounds | >= 1.0x | >= 1.2x (<= 256 B) | >= 1.5x (PAGE) | vs NT loop PMDK / ours | >= 0.95x NT loop |",
			"|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|---:|---|")
	else
		section("####", "Destination \"" pat "\": " PATDESC[pat], "",
			"| op | map | size | flags | PMDK | ours | PMDK GB/s | ours GB/s | speedup | rounds | >= 1.0x | vs NT loop PMDK / ours | >= 0.95x NT loop |",
			"|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---|")
	for (i = 1; i <= ncopy; i++) {
		key = copies[i]
		split(key, f, SUBSEP)
		if (f[5] != pat)
			continue
		name = f[1] "/" f[2] "/" fmt_size(f[3]) "/" f[4] (hot ? "" : "/" pat)
		p = med("pmdk", key); o = med("ours", key); s = speedup(key, "")
		c1 = judge_all(s, key, name)
		c2 = ""; c3 = ""
		if (hot && have_pmdk) {
			c2 = f[3] <= 256 ? judge("small", s != "" && s >= 1.2, name) : ""
			c3 = f[2] == "PAGE" ? judge("page", s != "" && s >= 1.5, name) : ""
		}
		c4 = ""; nt = ""
		if (f[3] >= 2097152) {
			rp = median(refr["pmdk", key]); ro = r2(median(refr["ours", key]))
			nt = (rp == "" ? "-" : sprintf("%.2f", rp)) " / " \
			     (ro == "" ? "-" : sprintf("%.2f", ro))
			if (f[4] == "0" || f[4] == "NT")
				c4 = judge("nt", ro != "" && ro >= 0.95, name)
		}
		if (hot)
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			       f[1], f[2], fmt_size(f[3]), f[4], fmt_ns(p), fmt_ns(o),
			       gbps(f[3], p), gbps(f[3], o), ratio(s), spread(key, ""),
			       c1, c2, c3, nt, c4
		else
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			       f[1], f[2], fmt_size(f[3]), f[4], fmt_ns(p), fmt_ns(o),
			       gbps(f[3], p), gbps(f[3], o), ratio(s), spread(key, ""),
			       c1, nt, c4
	}
}

# the thread table: per library, one thread alone vs all together
function thread_table(    i, key, f, n, lib, w, one, all, sc, cells, c, tgt, s, mk, ms, mr, bound) {
	section("###", "Threads", "One thread per CPU, each appending records with the map's memcpy (flags 0: copied and made " \
	      "durable) to its own 4 KiB-aligned part of one shared 64 MiB map, for a quarter of the per-case budget, " \
	      "against one thread alone on each CPU in turn, alternately, 5 times (medians). " \
	      "SET-* = the same through `pmemset_memcpy` on a libpmemset set of one part (ours only). " \
	      "ns/call = 1 / throughput; scaling = aggregate throughput / (threads x one thread's throughput); " \
	      "machine scaling = the same for the machine's own durable copy of those records into a plain mapping " \
	      "(streamed + sfence from 256 B, else copied + clwb + sfence), the ceiling of the CACHE_LINE rows; " \
	      "ours / machine = ours scaling / machine scaling. Target (CACHE_LINE): scaling >= 0.9; where the " \
	      "machine's own scaling is below 0.9 (the memory's bandwidth, not a library, is the limit), " \
	      "ours / machine >= 0.95 instead, marked machine-bound.",
		"| map | size | threads | PMDK one thread | PMDK all | PMDK scaling | ours one thread | ours all | ours scaling | machine scaling | ours / machine | speedup (all) | >= 1.0x | scaling target (CACHE_LINE) |",
		"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
	for (i = 1; i <= nthr; i++) {
		key = thr[i]
		split(key, f, SUBSEP)
		n = nthreads[key]
		cells = ""
		for (w = 1; w <= 2; w++) {
			lib = w == 1 ? "pmdk" : "ours"
			all = med(lib, key); one = median(refns[lib, key])
			sc[lib] = (all == "" || one == "") ? "" : r2(one / (n * all))
			cells = cells " | " fmt_ns(one) " | " fmt_ns(all) " | " \
				(sc[lib] == "" ? "-" : sprintf("%.2f", sc[lib]))
		}
		# the machine's own loop, the same records (bench machine)
		mk = mthr[f[3]]; ms = "-"
		if (mk != "") {
			all = med("machine", mk); one = median(refns["machine", mk])
			if (all != "" && one != "")
				ms = sprintf("%.2f", one / (nthreads[mk] * all))
		}
		cells = cells " | " ms
		# ours against the machine's own scaling: what the memory allows
		mr = (ms != "-" && sc["ours"] != "") ? sc["ours"] / ms : ""
		cells = cells " | " (mr == "" ? "-" : sprintf("%.2f", mr))
		s = speedup(key, "")
		c = f[2] ~ /^SET/ ? "" : judge_all(s, key, "threads/" f[2] "/" fmt_size(f[3]))
		tgt = ""
		# the target, or (item 6 of issue 10) where the machine's own
		# loop cannot reach it either, 0.95x of what the machine reaches
		if (f[2] ~ /CL$/) {
			bound = sc["ours"] != "" && sc["ours"] < 0.9 && ms != "-" &&
				ms + 0 < 0.9
			tgt = judge("threads", sc["ours"] != "" &&
				    (sc["ours"] >= 0.9 || (bound && mr >= 0.95)),
				    "threads/" f[2] "/" fmt_size(f[3]))
			if (bound && tgt == "met")
				tgt = "met (machine-bound)"
		}
		printf "| %s | %s | %s%s | %s | %s | %s |\n", f[2], fmt_size(f[3]), n,
		       cells, ratio(s), c, tgt
	}
}

function set_table(    i, key, f, o, rp, r, lo, hi, x, j, rr, k) {
	section("###", "libpmemset's data path", "`pmemset_memcpy` (flags 0) into the last part of a set of N parts of 4 KiB (one file, " \
	      "`PMEM2_FORCE_GRANULARITY=CACHE_LINE`), timed in alternating batches with `pmem2_get_memcpy_fn()` " \
	      "of a map of the whole file writing the same page; same destination every call. " \
	      "ratio = pmemset time / pmem2 time, the median over the rounds of the per-round ratio (ours only: " \
	      "PMDK's libpmemset was never packaged).",
		"| parts | size | pmemset_memcpy | pmem2 memcpy | ratio | rounds | <= 1.05x |",
		"|---:|---:|---:|---:|---:|---:|---|")
	for (i = 1; i <= nset; i++) {
		key = sets[i]
		split(key, f, SUBSEP)
		o = med("ours", key)
		rr = median(refr["ours", key])
		r = rr == "" ? "" : r2(1 / rr)
		lo = ""; hi = ""
		k = split(refr["ours", key], x, " ")
		for (j = 1; j <= k; j++) {
			if (lo == "" || 1 / x[j] < lo) lo = 1 / x[j]
			if (hi == "" || 1 / x[j] > hi) hi = 1 / x[j]
		}
		sub(/^CLx/, "", f[2])
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", f[2], fmt_size(f[3]), fmt_ns(o),
		       fmt_ns(median(refns["ours", key])), ratio(r),
		       lo == "" ? "-" : sprintf("%.2f-%.2f", lo, hi),
		       judge("pmemset", r != "" && r <= 1.05, "pmemset/" f[2] "/" fmt_size(f[3]))
	}
}

END {
	# run.sh asks for the close calls: print their keys, nothing else
	if (close_band != "") {
		for (k in seen) {
			if (!(("ours", k) in vals) || !(("pmdk", k) in vals))
				continue
			x = speedup(k, "")
			if (x != "" && x >= 1 - close_band && x <= 1 + close_band) {
				split(k, g, SUBSEP)
				print g[1] "/" g[2] "/" g[3] "/" g[4] "/" g[5]
			}
		}
		exit
	}
	for (k in seen) {
		split(k, g, SUBSEP)
		if (("ours", k) in vals)
			have_ours = 1
		if (("pmdk", k) in vals)
			have_pmdk = 1
	}
	print "### Copies: `pmem2_get_memcpy_fn` / `pmem2_get_memset_fn`"
	print ""
	print "CL = file in /dev/shm mapped with `PMEM2_FORCE_GRANULARITY=CACHE_LINE`; " \
	      "PAGE = the same kind of file, detected granularity; BYTE = the same kind of file with " \
	      "`PMEM2_FORCE_GRANULARITY=BYTE` (both libraries' servers map the very same files, source included). " \
	      "Flags: 0, NT = NONTEMPORAL, T = TEMPORAL, NOFLUSH. " \
	      "PMDK, ours = median time over the rounds; speedup = median over the rounds of the round's PMDK time / our time; " \
	      "rounds = lowest and highest per-round speedup, with the number of rounds in brackets for a close call " \
	      "(see below the targets); parity = below 1.00x but at least 0.98x " \
	      "with per-round speedups on both sides of 1.0. " \
	      "\"vs NT loop\" = (time of the plain non-temporal store loop, same size, writing the same memory in the same pattern, " \
	      "timed in alternation with the case) / (time of the case), PMDK / ours. " \
	      "64 MiB copies are in the first table only: a 64 MiB destination is twice the last-level cache, " \
	      "cold on every call anyway."
	for (p = 1; p <= npat; p++)
		copy_table(PAT[p])

	section("###", "Persist and map", "persist: one 8-byte store into every line of the range, then `pmem2_get_persist_fn()` " \
	      "on the CL map; its machine loop is the same stores then clwb of every line + sfence. " \
	      "map: `pmem2_map_new` + `pmem2_map_delete` of a whole file in /dev/shm " \
	      "(PAGE granularity; the 1 GiB file is sparse); its machine loop is mmap + munmap of the same file. " \
	      "Each case is timed in alternation with its machine loop in the same process; " \
	      "lib / machine = median over the rounds of the paired ratio.",
		"| case | PMDK | ours | machine | PMDK / machine | ours / machine | speedup | rounds | >= 1.0x | persist 64 B <= 1.1x clwb+sfence | map <= 0.5x PMDK |",
		"|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|")
	for (i = 1; i <= nother; i++) {
		key = others[i]
		split(key, f, SUBSEP)
		name = f[1] " " fmt_size(f[3])
		p = med("pmdk", key); o = med("ours", key); s = speedup(key, "")
		# the machine's loop paired with the case (ref_ns), both processes
		m = median(refns["pmdk", key] refns["ours", key])
		rp = median(refr["pmdk", key]); ro = median(refr["ours", key])
		mp = rp == "" ? "" : 1 / rp
		mo = ro == "" ? "" : r2(1 / ro)
		c1 = judge_all(s, key, name)
		c5 = ""; c6 = ""
		if (f[1] == "persist" && f[3] == 64)
			c5 = judge("persist", mo != "" && mo <= 1.1, name)
		if (f[1] == "map_new+delete" && have_pmdk)
			c6 = judge("map", o != "" && o <= 0.5 * p, name)
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
		       name, fmt_ns(p), fmt_ns(o), fmt_ns(m),
		       ratio(mp), ratio(mo),
		       ratio(s), spread(key, ""), c1, c5, c6
	}

	if (nthr)
		thread_table()
	if (nset)
		set_table()

	section("###", "The machine (no library), destination a plain shared mapping of a /dev/shm file, the same on every call", "",
		"| size | glibc memcpy | GB/s | glibc memset | GB/s | NT copy loop | GB/s | NT fill loop | GB/s |",
		"|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	nsz = 0
	for (i = 1; i <= nmach; i++) {
		split(mach[i], g, SUBSEP)
		if (g[1] == "glibc_memcpy")
			msz[++nsz] = g[3]
	}
	for (i = 1; i <= nsz; i++) {
		line = "| " fmt_size(msz[i])
		split("glibc_memcpy glibc_memset nt_copy nt_fill", ops, " ")
		for (j = 1; j <= 4; j++) {
			m = ""
			for (k in seen) {
				split(k, g, SUBSEP)
				if (g[1] == ops[j] && g[3] == msz[i])
					m = med("machine", k)
			}
			line = line " | " fmt_ns(m) " | " gbps(msz[i], m)
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
	if (!have_ours) {
		print "Our library was not measured: every target is open."
	} else {
		print "| target | met | cases | not met (first 12) |"
		print "|---|---:|---:|---|"
		for (i = 1; i <= 8; i++) {
			t = TORDER[i]
			if (!app[t])
				continue
			printf "| %s | %d | %d | %s |\n", T[t], met[t], app[t], miss[t]
		}
		if (nparity)
			print "\n" nparity " of the cases counted as met for the 1.0x target are at parity (0.98x-0.99x, per-round speedups on both sides of 1.0)."
		if (nclose) {
			print "\nClose calls: " nclose " cases whose speedup after the first " main_rounds \
			      " rounds lay within " band " of 1.0 (either side) were measured in more rounds; " \
			      "the tables give their medians over all their rounds. " \
			      "The extra rounds turned " nturned_met + 0 " from NOT met to met" \
			      (nturned_met ? " (" turned_met ")" : "") " and " nturned_missed + 0 " from met to NOT met" \
			      (nturned_missed ? " (" turned_missed ")" : "") "."
		}
		if (!have_pmdk)
			print "\nPMDK was not measured (no libpmem2-dev): the targets relative to PMDK are open."
	}
}
