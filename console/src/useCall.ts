// Loads something from the API when its inputs change, and says whether it is loading or why it
// failed. A reply that arrives after newer inputs is dropped.
import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";
import { problem, type Problem } from "./api.js";

export interface CallState<T> {
  data: T | undefined;
  problem: Problem | null;
  loading: boolean;
  reload: () => void;
}

export function useCall<T>(call: () => Promise<T>, deps: DependencyList): CallState<T> {
  const [data, setData] = useState<T>();
  const [failure, setFailure] = useState<Problem | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const mine = ++latest.current;
    setLoading(true);
    call().then(
      (value) => {
        if (mine !== latest.current) return;
        setData(value);
        setFailure(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== latest.current) return;
        setFailure(problem(err));
        setLoading(false);
      },
    );
    // The call itself is new on every render: `deps` say when it must run again.
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data, problem: failure, loading, reload };
}
